import { describe, expect, it } from 'vitest';
import {
  looksLikeFeed,
  parseDuration,
  parseFeed,
  parseJsonTranscript,
  pickEpisode,
  pickTranscript,
  type FeedTranscript,
} from './podcast.js';

const base = new URL('https://pod.example/feed.xml');

const ATOM = `<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:podcast="https://podcastindex.org/namespace/1.0">
  <title>Atom Cast</title><author><name>Kim</name></author>
  <entry><title>First</title><updated>2024-01-01T00:00:00Z</updated>
    <link rel="alternate" href="/ep/1"/><link rel="enclosure" href="/a1.mp3" type="audio/mpeg"/></entry>
  <entry><title>Second</title><updated>2024-03-01T00:00:00Z</updated>
    <link rel="enclosure" href="https://cdn.example/a2.mp3" type="audio/mpeg"/>
    <podcast:transcript url="/t2.srt" type="application/x-subrip"/>
    <podcast:transcript url="file:///etc/passwd" type="text/vtt"/></entry>
</feed>`;

describe('podcast feeds', () => {
  it('recognises RSS and Atom roots behind a declaration and comments, and nothing else', () => {
    expect(looksLikeFeed('\ufeff<?xml version="1.0"?>\n<!-- hi --><rss version="2.0">')).toBe(true);
    expect(looksLikeFeed('<feed xmlns="http://www.w3.org/2005/Atom">')).toBe(true);
    expect(looksLikeFeed('<?xml version="1.0"?><urlset>')).toBe(false);
    expect(looksLikeFeed('<html><body><rss>')).toBe(false);
  });

  it('reads Atom entries newest first, resolving links and dropping non-http transcript URLs', () => {
    const r = parseFeed(ATOM, base);
    if (!r.ok) throw r.error;
    expect(r.value.title).toBe('Atom Cast');
    expect(r.value.author).toBe('Kim');
    expect(r.value.episodes.map((e) => e.title)).toEqual(['Second', 'First']);
    const [second, first] = r.value.episodes;
    expect(first?.enclosure?.url.href).toBe('https://pod.example/a1.mp3');
    expect(first?.link).toBe('https://pod.example/ep/1');
    expect(second?.transcripts.map((t) => t.url.href)).toEqual(['https://pod.example/t2.srt']);
  });

  it('reads itunes durations in every form', () => {
    expect(parseDuration('3723')).toBe(3723);
    expect(parseDuration('62:03')).toBe(3723);
    expect(parseDuration('01:02:03')).toBe(3723);
    expect(parseDuration('an hour')).toBeNull();
  });

  it('picks by number (declared, else counted from the oldest) and by title', () => {
    const feed = parseFeed(ATOM, base);
    if (!feed.ok) throw feed.error;
    expect(pickEpisode(feed.value, null)).toMatchObject({ ok: true, value: { title: 'Second' } });
    expect(pickEpisode(feed.value, '1')).toMatchObject({ ok: true, value: { title: 'First' } });
    expect(pickEpisode(feed.value, 'FIRST')).toMatchObject({ ok: true, value: { title: 'First' } });
    expect(pickEpisode(feed.value, 'sec')).toMatchObject({ ok: true, value: { title: 'Second' } });
    expect(pickEpisode(feed.value, '3')).toMatchObject({
      ok: false,
      error: { code: 'acquire.episode_not_found' },
    });
  });

  it('prefers a timed transcript in the feed’s language', () => {
    const t = (type: string, language: string | null): FeedTranscript => ({
      url: new URL(`https://pod.example/${type.replace('/', '-')}-${language}`),
      type,
      language,
    });
    const list = [
      t('text/html', 'en'),
      t('text/vtt', 'de'),
      t('application/json', 'en'),
      t('text/plain', 'en'),
    ];
    expect(pickTranscript(list, 'en')?.type).toBe('application/json');
    expect(pickTranscript(list, 'de')?.type).toBe('text/vtt');
    expect(pickTranscript([t('application/pdf', 'en')], 'en')).toBeNull();
  });

  it('merges word-level JSON entries into sentences per speaker, keeping the first word’s time', () => {
    const words = 'This is a sentence that is long enough to end here.'.split(' ');
    const json = JSON.stringify({
      segments: [
        ...words.map((w, i) => ({ speaker: 'A', startTime: i, endTime: i + 0.5, body: w })),
        { speaker: 'A', startTime: 20, endTime: 21, body: 'Next.' },
        { speaker: 'B', startTime: 30, endTime: 31, body: 'Reply' },
        { speaker: 'B', startTime: 'bad', body: 'dropped' },
      ],
    });
    const r = parseJsonTranscript(json);
    expect(r?.segments.map((s) => [s.start, s.end, s.speaker, s.text])).toEqual([
      [0, words.length - 0.5, 'A', words.join(' ')],
      [20, 21, 'A', 'Next.'],
      [30, 31, 'B', 'Reply'],
    ]);
    expect(parseJsonTranscript('not json')).toBeNull();
  });
});
