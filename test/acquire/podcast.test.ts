// Podcast feeds from a local server: the published transcript comes before any speech-to-text, the newest episode by
// default or the one asked for, the enclosure's audio only when an engine will use it — every fetch through the guard.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESCRIPTION_ONLY_NOTE, NO_TRANSCRIPT_NOTE } from '../../src/analysis/acquire/index.js';
import { checkMediaBinaries } from '../support/services.js';
import { signal, startServer, testAcquirer, type TestServer } from './helpers.js';

const VTT =
  'WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nWelcome to the river show.\n\n00:01:30.000 --> 00:01:35.500\nToday we talk about floods.\n';
const JSON_TRANSCRIPT = JSON.stringify({
  version: '1.0.0',
  segments: [
    { speaker: 'Ana', startTime: 0.5, endTime: 0.9, body: 'Hello' },
    { speaker: 'Ana', startTime: 0.9, endTime: 1.4, body: 'and welcome.' },
    { speaker: 'Ben', startTime: 2, endTime: 3.5, body: 'Thanks for having me.' },
  ],
});

interface Item {
  title: string;
  number?: number;
  date: string;
  transcript?: { path: string; type: string };
  enclosure?: string;
  description?: string;
}

const rss = (origin: string, items: Item[]): string =>
  `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0">
<channel><title>River Show</title><language>en</language><itunes:author>Ana Lima</itunes:author>
${items
  .map(
    (i) => `<item><title>${i.title}</title><pubDate>${i.date}</pubDate>
${i.number === undefined ? '' : `<itunes:episode>${i.number}</itunes:episode>`}
<itunes:duration>01:02:03</itunes:duration>
${i.description === undefined ? '' : `<description><![CDATA[<p>${i.description}</p>]]></description>`}
${i.transcript === undefined ? '' : `<podcast:transcript url="${i.transcript.path.startsWith('http') ? i.transcript.path : origin + i.transcript.path}" type="${i.transcript.type}" language="en"/>`}
${i.enclosure === undefined ? '' : `<enclosure url="${origin}${i.enclosure}" type="audio/ogg" length="1000"/>`}
</item>`,
  )
  .join('\n')}
</channel></rss>`;

describe('podcast feeds', () => {
  let server: TestServer;
  const hits: string[] = [];
  let clip: Buffer | null = null;
  const media = checkMediaBinaries();

  beforeAll(async () => {
    server = await startServer();
    const r = server.route;
    const o = server.origin;
    r('/t.vtt', (q, s) => {
      hits.push(q.url ?? '');
      s.writeHead(200, { 'content-type': 'text/vtt' }).end(VTT);
    });
    r('/t.json', (_q, s) => s.writeHead(200, { 'content-type': 'application/json' }).end(JSON_TRANSCRIPT));
    r('/t.html', (_q, s) =>
      s.writeHead(200, { 'content-type': 'text/html' }).end('<p>Ana: hello there.</p><p>Ben: hi.</p>'),
    );
    r('/ep.ogg', (q, s) => {
      hits.push(q.url ?? '');
      if (clip === null) s.writeHead(404).end();
      else s.writeHead(200, { 'content-type': 'audio/ogg', 'content-length': String(clip.length) }).end(clip);
    });
    r('/with-transcript.rss', (_q, s) =>
      s.writeHead(200, { 'content-type': 'application/rss+xml' }).end(
        rss(o, [
          // Deliberately out of order: the newest episode is chosen by date, not by position.
          { title: 'Older episode', number: 1, date: 'Mon, 01 Jan 2024 10:00:00 GMT', enclosure: '/ep.ogg' },
          {
            title: 'Floods and rivers',
            number: 2,
            date: 'Mon, 05 Feb 2024 10:00:00 GMT',
            transcript: { path: '/t.vtt', type: 'text/vtt' },
            enclosure: '/ep.ogg',
          },
        ]),
      ),
    );
    r('/formats.xml', (_q, s) =>
      s.writeHead(200, { 'content-type': 'text/xml' }).end(
        rss(o, [
          {
            title: 'JSON one',
            number: 7,
            date: 'Mon, 01 Jan 2024 10:00:00 GMT',
            transcript: { path: '/t.json', type: 'application/json' },
          },
          {
            title: 'HTML one',
            number: 8,
            date: 'Tue, 02 Jan 2024 10:00:00 GMT',
            transcript: { path: '/t.html', type: 'text/html' },
          },
          {
            title: 'Hostile one',
            number: 9,
            date: 'Wed, 03 Jan 2024 10:00:00 GMT',
            transcript: { path: 'http://169.254.169.254/latest/t.vtt', type: 'text/vtt' },
          },
        ]),
      ),
    );
    r('/no-transcript.rss', (_q, s) =>
      // Served as octet-stream: the feed is recognised by its root element.
      s.writeHead(200, { 'content-type': 'application/octet-stream' }).end(
        rss(o, [
          {
            title: 'Only audio',
            date: 'Mon, 05 Feb 2024 10:00:00 GMT',
            enclosure: '/ep.ogg',
            description: 'Ana and Ben discuss <b>dams</b> &amp; levees.',
          },
        ]),
      ),
    );
    r('/private-enclosure.rss', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'application/rss+xml' })
        .end(
          rss(`http://127.0.0.1:${server.port + 1}`, [
            { title: 'Hostile enclosure', date: 'Mon, 05 Feb 2024 10:00:00 GMT', enclosure: '/ep.ogg' },
          ]),
        ),
    );
    if (media.available) {
      const dir = mkdtempSync(join(tmpdir(), 'autointel-podcast-'));
      const file = join(dir, 'ep.ogg');
      execFileSync('ffmpeg', [
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=300:duration=3',
        '-c:a',
        'libvorbis',
        file,
      ]);
      clip = readFileSync(file);
    }
  });
  afterAll(async () => {
    await server.close();
  });

  const acquirer = (over: Parameters<typeof testAcquirer>[0] = {}) =>
    testAcquirer({ allowedEndpoints: [server.endpoint], ...over });

  it('uses the newest episode’s published VTT transcript, with its times, and downloads no audio', async () => {
    hits.length = 0;
    const r = await acquirer({ needsAudio: true }).acquire(`${server.origin}/with-transcript.rss`, {
      signal: signal(),
    });
    if (!r.ok) throw r.error;
    const c = r.value;
    expect(c.kind).toBe('media');
    expect(c.title).toBe('Floods and rivers');
    expect(c.siteName).toBe('River Show');
    expect(c.byline).toBe('Ana Lima');
    expect(c.publishedTime).toBe('2024-02-05T10:00:00.000Z');
    expect(c.language).toBe('en');
    expect(c.text).toBe('Welcome to the river show.\nToday we talk about floods.');
    expect(c.segments?.map((s) => s.start)).toEqual([0, 90]);
    expect(c.media).toEqual({ durationSec: 3723, captions: 'manual', audioPath: null });
    expect(hits).toEqual(['/t.vtt']);
  });

  it('picks an episode by number or by title (a #episode= fragment, as Discord sends it)', async () => {
    const byNumber = await acquirer().acquire(`${server.origin}/formats.xml#episode=7`, { signal: signal() });
    if (!byNumber.ok) throw byNumber.error;
    expect(byNumber.value.title).toBe('JSON one');
    // JSON word/phrase entries merge into sentence-sized segments per speaker, each with its first word's time.
    expect(byNumber.value.text).toBe('Hello and welcome.\nThanks for having me.');
    expect(byNumber.value.segments?.map((s) => [s.start, s.end, s.speaker])).toEqual([
      [0.5, 1.4, 'Ana'],
      [2, 3.5, 'Ben'],
    ]);

    const byTitle = await acquirer({ episode: 'html ONE' }).acquire(`${server.origin}/formats.xml`, {
      signal: signal(),
    });
    if (!byTitle.ok) throw byTitle.error;
    expect(byTitle.value.text).toBe('Ana: hello there.\nBen: hi.');
    expect(byTitle.value.segments).toBeNull();
  });

  it('says which episode could not be found', async () => {
    const r = await acquirer().acquire(`${server.origin}/formats.xml#episode=42`, { signal: signal() });
    expect(r.ok ? 'ok' : r.error.code).toBe('acquire.episode_not_found');
  });

  it('refuses a transcript URL on a private address', async () => {
    const r = await acquirer().acquire(`${server.origin}/formats.xml#episode=Hostile`, { signal: signal() });
    expect(r.ok ? 'ok' : r.error.code).toBe('acquire.private_address');
  });

  it('without a transcript or an engine: the description, said plainly, and no audio downloaded', async () => {
    hits.length = 0;
    const r = await acquirer({ needsAudio: false }).acquire(`${server.origin}/no-transcript.rss`, {
      signal: signal(),
    });
    if (!r.ok) throw r.error;
    expect(r.value.text).toBe('Only audio\n\nAna and Ben discuss dams & levees.');
    expect(r.value.notes).toEqual([NO_TRANSCRIPT_NOTE, DESCRIPTION_ONLY_NOTE]);
    expect(r.value.media?.audioPath).toBeNull();
    expect(hits).toEqual([]);
  });

  it.skipIf(!media.available)(
    'without a transcript but with an engine: the enclosure’s audio is kept',
    async () => {
      const r = await acquirer({ needsAudio: true }).acquire(`${server.origin}/no-transcript.rss`, {
        signal: signal(),
      });
      if (!r.ok) throw r.error;
      const audio = r.value.media?.audioPath ?? '';
      expect(existsSync(audio)).toBe(true);
      expect(r.value.media?.durationSec).toBeCloseTo(3, 0);
    },
  );

  it.skipIf(!media.available)(
    'refuses an enclosure on a private address (ffmpeg goes through the guard proxy)',
    async () => {
      const r = await acquirer({ needsAudio: true }).acquire(`${server.origin}/private-enclosure.rss`, {
        signal: signal(),
      });
      expect(r.ok ? 'ok' : r.error.code).toBe('acquire.private_address');
    },
  );
});
