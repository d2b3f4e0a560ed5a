import { describe, expect, it } from 'vitest';
import { validateMessage } from '../discord-api/limits.js';
import type { ReportSearchHit } from '../store/store.js';
import { markedSnippet, renderSearchResults } from './search-results.js';

const hit = (over: Partial<ReportSearchHit> = {}): ReportSearchHit => ({
  reportId: 'r-1',
  workflowId: '123e4567-e89b-42d3-a456-426614174000',
  url: 'https://news.example/wind',
  title: 'Offshore wind in the North Sea',
  snippet: 'The council approved a **wind** farm near the harbour.',
  rank: 3.2,
  depth: 'deep',
  createdAt: Date.UTC(2026, 11, 1),
  ...over,
});

describe('renderSearchResults', () => {
  it('lists hits best first, privately, with title, depth, date, source, marked snippet and how to open each', () => {
    const msg = renderSearchResults('wind', [
      hit(),
      hit({ workflowId: '223e4567-e89b-42d3-a456-426614174000', title: 'Second' }),
    ]);
    expect(msg.flags).toBe(64);
    expect(msg.allowed_mentions).toEqual({ parse: [] });
    const d = msg.embeds?.[0]?.description ?? '';
    expect(d.indexOf('1. Offshore wind')).toBeLessThan(d.indexOf('2. Second'));
    expect(d).toContain('deep · 2026-12-01');
    expect(d).toContain('<https://news.example/wind>');
    expect(d).toContain('> The council approved a **wind** farm near the harbour.');
    expect(d).toContain('`/retrieve_results workflow_id:123e4567-e89b-42d3-a456-426614174000`');
    expect(d).not.toContain('report page');
    expect(validateMessage(msg)).toEqual([]);
  });

  it('links the report page when the deployment has one', () => {
    const msg = renderSearchResults('wind', [hit()], {
      pageFor: (id) => `https://bot.example/r/${id}?e=1&s=x`,
    });
    expect(msg.embeds?.[0]?.description).toContain(
      '[report page](https://bot.example/r/123e4567-e89b-42d3-a456-426614174000?e=1&s=x)',
    );
  });

  it('renders hostile report text inert: markdown, masked links, mentions, control characters, angle brackets', () => {
    const msg = renderSearchResults('@everyone', [
      hit({
        title: '[click](https://evil.example) @everyone <script>alert(1)</script>\u202e',
        snippet: '**@here** `code` [x](javascript:alert(1)) **<b>**',
        url: 'https://evil.example/a>b<c',
      }),
    ]);
    const d = msg.embeds?.[0]?.description ?? '';
    expect(d).not.toMatch(/(?<!\\)\[click\]/);
    expect(d).toContain('@\u200beveryone');
    expect(d).toContain('**@\u200bhere**');
    expect(d).toContain('\\`code\\`');
    expect(d).toContain('\\<script\\>');
    expect(d).toContain('<https://evil.example/a%3Eb%3Cc>');
    expect(msg.embeds?.[0]?.title).toContain('@\u200beveryone');
    expect(validateMessage(msg)).toEqual([]);
  });

  it('stays within Discord limits however long the hits are', () => {
    const long = 'word '.repeat(20_000);
    const msg = renderSearchResults(
      'x'.repeat(300),
      Array.from({ length: 25 }, (_, i) =>
        hit({ workflowId: `${i}23e4567-e89b-42d3-a456-42661417400${i % 10}`, title: long, snippet: long }),
      ),
    );
    expect(validateMessage(msg)).toEqual([]);
    expect((msg.embeds?.[0]?.description ?? '').length).toBeLessThanOrEqual(4096);
  });

  it('says plainly when nothing matched and where search looks', () => {
    const msg = renderSearchResults('tidal', []);
    expect(msg.content).toMatch(/No report from this server matches “tidal”/);
    expect(msg.flags).toBe(64);
  });
});

describe('markedSnippet', () => {
  it('keeps the match markers as bold, escapes the rest and caps the length', () => {
    expect(markedSnippet('a **b** c_d')).toBe('a **b** c\\_d');
    expect(markedSnippet(`${'z'.repeat(400)} **hit**`, 50).length).toBeLessThan(60);
  });
});
