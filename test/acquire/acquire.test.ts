// What acquisition accepts: pinned connections, compressed pages, redirects, charsets, text kinds, local files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signal, startServer, testAcquirer, type TestServer } from './helpers.js';

const article = (title: string): string =>
  `<!doctype html><html lang="en"><head><title>${title}</title></head><body><article><h1>${title}</h1>${'<p>The council voted on Tuesday to expand the program, which officials said would reach twice as many residents next year than it does today.</p>'.repeat(6)}</article></body></html>`;

describe('acquisition of accepted content', () => {
  let server: TestServer;
  const hostHeaders: string[] = [];
  let resolverCalls = 0;

  beforeAll(async () => {
    server = await startServer();
    const r = server.route;
    r('/named', (q, s) => {
      hostHeaders.push(q.headers.host ?? '');
      s.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(article('Named host'));
    });
    r('/gzip', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' })
        .end(gzipSync(article('Gzipped'))),
    );
    r('/br', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'br' })
        .end(brotliCompressSync(article('Brotli'))),
    );
    r('/hop1', (_q, s) => s.writeHead(301, { location: '/hop2' }).end());
    r('/hop2', (_q, s) => s.writeHead(302, { location: `${server.origin}/gzip` }).end());
    r('/latin1', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' })
        .end(
          Buffer.from(
            'Le caf\xe9 est ferm\xe9 le dimanche, mais la boulangerie \xe0 c\xf4t\xe9 reste ouverte toute la journ\xe9e.',
            'latin1',
          ),
        ),
    );
    r('/notes.md', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/markdown' })
        .end('# Notes\n\nSome **important** [point](https://x.y).\n'),
    );
    r('/subs', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/plain' })
        .end('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHi there.\n'),
    );
  });
  afterAll(async () => {
    await server.close();
  });

  const acquirer = () =>
    testAcquirer({
      allowedEndpoints: [server.endpoint],
      resolver: (host) => {
        resolverCalls++;
        return host === 'news.test'
          ? Promise.resolve([{ address: '127.0.0.1', family: 4 }])
          : Promise.reject(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
      },
    });

  it('connects to the address the guard checked while keeping the name in Host', async () => {
    resolverCalls = 0;
    const r = await acquirer().acquire(`http://news.test:${server.port}/named`, { signal: signal() });
    if (!r.ok) throw r.error;
    expect(r.value.title).toBe('Named host');
    expect(hostHeaders).toEqual([`news.test:${server.port}`]);
    expect(resolverCalls).toBe(1);
  });

  it.each(['/gzip', '/br'])('decodes %s pages', async (path) => {
    const r = await acquirer().acquire(`${server.origin}${path}`, { signal: signal() });
    if (!r.ok) throw r.error;
    expect(r.value.text).toContain('The council voted');
  });

  it('follows redirects within the cap and reports the final URL', async () => {
    const r = await acquirer().acquire(`${server.origin}/hop1`, { signal: signal() });
    if (!r.ok) throw r.error;
    expect(r.value.finalUrl).toBe(`${server.origin}/gzip`);
    expect(r.value.source).toBe(`${server.origin}/hop1`);
    expect(r.value.title).toBe('Gzipped');
  });

  it('decodes a legacy charset from Content-Type and detects the language of plain text', async () => {
    const r = await acquirer().acquire(`${server.origin}/latin1`, { signal: signal() });
    if (!r.ok) throw r.error;
    expect(r.value.kind).toBe('text');
    expect(r.value.text).toContain('Le café est fermé');
    expect(r.value.language).toBe('fr');
  });

  it('strips Markdown and recognises WebVTT served as text/plain', async () => {
    const md = await acquirer().acquire(`${server.origin}/notes.md`, { signal: signal() });
    if (!md.ok) throw md.error;
    expect(md.value).toMatchObject({ kind: 'text', title: 'Notes', text: 'Notes\n\nSome important point.' });
    const vtt = await acquirer().acquire(`${server.origin}/subs`, { signal: signal() });
    if (!vtt.ok) throw vtt.error;
    expect(vtt.value.kind).toBe('subtitles');
    expect(vtt.value.segments).toEqual([
      { start: 1, end: 2, speaker: null, text: 'Hi there.', charStart: 0, charEnd: 9 },
    ]);
  });

  it('reports progress and a sha256 of exactly the text', async () => {
    const seen: number[] = [];
    const r = await acquirer().acquire(`${server.origin}/gzip`, {
      signal: signal(),
      progress: (f) => seen.push(f),
    });
    if (!r.ok) throw r.error;
    const { createHash } = await import('node:crypto');
    expect(r.value.contentHash).toBe(createHash('sha256').update(r.value.text).digest('hex'));
    expect(seen[0]).toBeLessThan(seen[seen.length - 1] ?? 0);
    expect(seen[seen.length - 1]).toBe(1);
  });

  it('an aborted signal ends the acquisition as aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await acquirer().acquire(`${server.origin}/gzip`, { signal: controller.signal });
    expect(r.ok ? 'ok' : r.error.code).toBe('workflow.aborted');
  });

  it('reads local .html, .txt, .md, .srt files when local files are allowed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'autointel-local-'));
    writeFileSync(join(dir, 'a.html'), article('Local page'));
    writeFileSync(join(dir, 'b.txt'), 'Plain words on a line.\r\nAnother line.');
    writeFileSync(join(dir, 'c.md'), '# Title here\n\n* point');
    writeFileSync(
      join(dir, 'd.srt'),
      '1\n00:00:00,000 --> 00:00:01,000\nOne\n\n2\n00:00:01,000 --> 00:00:02,000\nTwo\n',
    );
    const local = testAcquirer({ allowLocalFiles: true });
    const got = await Promise.all(
      ['a.html', 'b.txt', 'c.md', 'd.srt'].map((f) => local.acquire(join(dir, f), { signal: signal() })),
    );
    const values = got.map((r) => {
      if (!r.ok) throw r.error;
      return r.value;
    });
    expect(values.map((v) => v.kind)).toEqual(['article', 'text', 'text', 'subtitles']);
    expect(values[0]?.title).toBe('Local page');
    expect(values[1]?.text).toBe('Plain words on a line.\nAnother line.');
    expect(values[2]?.text).toBe('Title here\n\npoint');
    expect(values[3]?.text).toBe('One\nTwo');
    expect(values[0]?.finalUrl.startsWith('file://')).toBe(true);
    const missing = await local.acquire(join(dir, 'nope.txt'), { signal: signal() });
    expect(missing.ok ? 'ok' : missing.error.code).toBe('acquire.file_not_found');
  });
});
