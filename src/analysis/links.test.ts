import { describe, expect, it } from 'vitest';
import { encodeFragmentText, linkTo, textFragment } from './links.js';

const article = {
  finalUrl: 'https://www.nytimes.com/2017/01/13/world/africa/sudan.html?smid=tw#top',
  kind: 'article',
} as const;

describe('links to the place of an item', () => {
  it('an article sentence: a text fragment with the first and last words, percent-encoded per the spec', () => {
    const sentence =
      'After nearly 20 years of hostile relations, the American government plans to reverse its position on Sudan and lift trade sanctions, Obama administration officials said late Thursday.';
    expect(linkTo(article, { text: sentence, span: {} })).toBe(
      'https://www.nytimes.com/2017/01/13/world/africa/sudan.html?smid=tw#:~:text=After%20nearly%2020%20years,officials%20said%20late%20Thursday.',
    );
  });

  it('encodes the characters the directive syntax uses: "-", ",", "&"', () => {
    expect(encodeFragmentText('Agence France-Presse, Getty & co')).toBe(
      'Agence%20France%2DPresse%2C%20Getty%20%26%20co',
    );
    expect(textFragment('Sudan’s status')).toBe(':~:text=Sudan%E2%80%99s%20status');
    expect(encodeFragmentText('a\ud83d b')).toBe('a%EF%BF%BD%20b');
  });

  it('a shortened TL;DR quotes only its start', () => {
    expect(
      linkTo(article, {
        text: 'The firm, which is now one of the biggest investors',
        prefixOnly: true,
        span: {},
      }),
    ).toBe(
      'https://www.nytimes.com/2017/01/13/world/africa/sudan.html?smid=tw#:~:text=The%20firm%2C%20which%20is%20now%20one',
    );
  });

  it('YouTube gets t= in seconds, other media #t=', () => {
    expect(
      linkTo(
        { finalUrl: 'https://www.youtube.com/watch?v=abc123&t=5s', kind: 'media' },
        { span: { startTime: 65.7 } },
      ),
    ).toBe('https://www.youtube.com/watch?v=abc123&t=65s');
    expect(linkTo({ finalUrl: 'https://youtu.be/abc123', kind: 'media' }, { span: { startTime: 3 } })).toBe(
      'https://youtu.be/abc123?t=3s',
    );
    expect(
      linkTo({ finalUrl: 'https://example.org/talk.mp3', kind: 'media' }, { span: { startTime: 125.2 } }),
    ).toBe('https://example.org/talk.mp3#t=125');
  });

  it('a PDF page gets #page=', () => {
    expect(
      linkTo({ finalUrl: 'https://example.org/report.pdf', kind: 'text' }, { text: 'x', span: { page: 4 } }),
    ).toBe('https://example.org/report.pdf#page=4');
  });

  it('no link for a local file or an item without a place', () => {
    expect(
      linkTo({ finalUrl: '/tmp/article.html', kind: 'article' }, { text: 'Some words here.', span: {} }),
    ).toBeNull();
    expect(linkTo(article, { span: {} })).toBeNull();
  });
});
