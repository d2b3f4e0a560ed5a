// yt-dlp against local pages: captions first, audio when there are none, and every connection through the guard.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_TRANSCRIPT_NOTE } from '../../src/analysis/acquire/index.js';
import { checkMediaBinaries } from '../support/services.js';
import { signal, startServer, testAcquirer, type TestServer } from './helpers.js';

const VTT =
  'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello from the test.\n\n00:00:01.000 --> 00:00:02.000\nSecond line.\n';
const page = (body: string): string =>
  `<!doctype html><html lang="en"><head><title>Clip page</title></head><body><h1>Clip</h1>${body}</body></html>`;

const binaries = checkMediaBinaries();
if (!binaries.available) process.stdout.write(`skipping the yt-dlp suite: ${binaries.reason}\n`);

describe.skipIf(!binaries.available)('media through yt-dlp', () => {
  let server: TestServer;
  let dir: string;
  let clip: Buffer;
  const hits: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'autointel-media-'));
    const file = join(dir, 'clip.ogg');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=2',
      '-c:a',
      'libvorbis',
      file,
    ]);
    clip = readFileSync(file);
    const videoFile = join(dir, 'clip.mp4');
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      'testsrc=size=320x240:rate=10:duration=3',
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:duration=3',
      '-c:v',
      'mpeg4',
      '-c:a',
      'aac',
      '-shortest',
      // As web servers serve video: the index first, so a reader need not seek to the end.
      '-movflags',
      '+faststart',
      videoFile,
    ]);
    const video = readFileSync(videoFile);
    server = await startServer();
    const r = server.route;
    const log = (path: string) => hits.push(path);
    r('/clip.ogg', (q, s) => {
      log(q.url ?? '');
      s.writeHead(200, { 'content-type': 'audio/ogg', 'content-length': String(clip.length) }).end(clip);
    });
    r('/clip.mp4', (q, s) => {
      log(q.url ?? '');
      s.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(video.length) }).end(video);
    });
    r('/subs.vtt', (q, s) => {
      log(q.url ?? '');
      s.writeHead(200, { 'content-type': 'text/vtt' }).end(VTT);
    });
    r('/with-track.html', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          page('<video controls src="clip.ogg"><track kind="subtitles" src="subs.vtt" srclang="en"></video>'),
        ),
    );
    r('/no-track.html', (_q, s) =>
      s.writeHead(200, { 'content-type': 'text/html' }).end(page('<audio controls src="clip.ogg"></audio>')),
    );
    r('/private-media.html', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/html' })
        .end(page(`<audio controls src="http://127.0.0.1:${server.port + 1}/clip.ogg"></audio>`)),
    );
    r('/private-track.html', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          page(
            `<video controls src="clip.ogg"><track kind="captions" src="http://169.254.169.254/subs.vtt" srclang="en"></video>`,
          ),
        ),
    );
  });
  afterAll(async () => {
    await server.close();
  });

  const acquirer = (over: Parameters<typeof testAcquirer>[0] = {}) =>
    testAcquirer({ allowedEndpoints: [server.endpoint], mediaTimeoutMs: 60_000, needsAudio: true, ...over });

  it('a page with a <video> and a subtitle track yields timed caption segments, without downloading media', async () => {
    hits.length = 0;
    const progress: string[] = [];
    const r = await acquirer().acquire(`${server.origin}/with-track.html`, {
      signal: signal(),
      progress: (_f, m) => progress.push(m),
    });
    if (!r.ok) throw r.error;
    const c = r.value;
    expect(c.kind).toBe('media');
    expect(c.media).toEqual({ durationSec: null, captions: 'manual', audioPath: null });
    expect(c.text).toBe('Hello from the test.\nSecond line.');
    expect(c.segments?.map((s) => [s.start, s.end, c.text.slice(s.charStart, s.charEnd)])).toEqual([
      [0, 1, 'Hello from the test.'],
      [1, 2, 'Second line.'],
    ]);
    expect(c.language).toBe('en');
    expect(hits).toContain('/subs.vtt');
    expect(hits).not.toContain('/clip.ogg');
    expect(progress).toContain('Downloading manual captions');
  });

  it('without captions the audio is kept for transcription and nothing is invented', async () => {
    const r = await acquirer().acquire(`${server.origin}/no-track.html`, { signal: signal() });
    if (!r.ok) throw r.error;
    const c = r.value;
    expect(c.kind).toBe('media');
    expect(c.media?.captions).toBe('none');
    expect(c.segments).toBeNull();
    expect(c.notes).toContain(NO_TRANSCRIPT_NOTE);
    const audio = c.media?.audioPath ?? '';
    expect(existsSync(audio)).toBe(true);
    expect(statSync(audio).size).toBeGreaterThan(1000);
    // Only the audio is left in the acquisition's directory: yt-dlp's metadata is gone.
    expect(readdirSync(join(audio, '..', '..'))).toEqual(['audio']);
    // Only real text: yt-dlp's title for the page, nothing that reads like a transcript.
    expect(c.text).not.toMatch(/hello from the test/i);
    expect(c.text.length).toBeLessThan(200);
  });

  it('a direct audio URL goes down the media path', async () => {
    const r = await acquirer().acquire(`${server.origin}/clip.ogg`, { signal: signal() });
    if (!r.ok) throw r.error;
    expect(r.value.kind).toBe('media');
    expect(r.value.media?.captions).toBe('none');
    expect(r.value.media?.audioPath).not.toBeNull();
    expect(r.value.media?.durationSec).toBeCloseTo(2, 0);
  });

  it('a direct video URL keeps only its audio track', async () => {
    const r = await acquirer().acquire(`${server.origin}/clip.mp4`, { signal: signal() });
    if (!r.ok) throw r.error;
    const audio = r.value.media?.audioPath ?? '';
    const banner = spawnSync('ffmpeg', ['-hide_banner', '-i', audio], { encoding: 'utf8' }).stderr;
    expect(banner).toMatch(/Stream #0:0.*Audio/);
    expect(banner).not.toMatch(/Video:/);
  });

  it('a direct media URL is only probed when no engine will transcribe it', async () => {
    hits.length = 0;
    const r = await acquirer({ needsAudio: false }).acquire(`${server.origin}/clip.ogg`, {
      signal: signal(),
    });
    if (!r.ok) throw r.error;
    expect(r.value.media).toMatchObject({ captions: 'none', audioPath: null });
    expect(r.value.notes).toContain(NO_TRANSCRIPT_NOTE);
  });

  it('a direct media URL longer than the limit is refused', async () => {
    const r = await acquirer({ maxMediaSeconds: 1 }).acquire(`${server.origin}/clip.mp4`, {
      signal: signal(),
    });
    expect(r.ok ? 'ok' : r.error.code).toBe('acquire.media_too_long');
  });

  it('a direct media URL whose audio passes the size cap is refused', async () => {
    const r = await acquirer({ maxMediaBytes: 1024 }).acquire(`${server.origin}/clip.ogg`, {
      signal: signal(),
    });
    expect(r.ok ? 'ok' : r.error.code).toBe('acquire.too_large');
  });

  it('yt-dlp cannot reach a private address through the page: the guard proxy refuses the media URL', async () => {
    const r = await acquirer().acquire(`${server.origin}/private-media.html`, { signal: signal() });
    expect(r.ok ? 'ok' : r.error.code).toBe('acquire.private_address');
  });

  it('yt-dlp cannot fetch a caption track from the metadata address', async () => {
    const r = await acquirer().acquire(`${server.origin}/private-track.html`, { signal: signal() });
    expect(r.ok ? 'ok' : r.error.code).toBe('acquire.private_address');
  });

  it('file:// media and caption links a page embeds are never read from the bot disk', async () => {
    const secretVtt = join(dir, 'secret.vtt');
    writeFileSync(secretVtt, 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nTOP SECRET TOKEN\n');
    server.route('/file-links.html', (_q, s) =>
      s
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          page(
            `<video controls src="file://${join(dir, 'clip.ogg')}"><track kind="subtitles" src="file://${secretVtt}" srclang="en"></video>`,
          ),
        ),
    );
    const r = await acquirer().acquire(`${server.origin}/file-links.html`, { signal: signal() });
    if (!r.ok) throw r.error;
    expect(r.value.text).not.toContain('TOP SECRET');
    expect(r.value.segments).toBeNull();
    expect(r.value.media?.audioPath ?? null).toBeNull();
  });

  it('local media files use sidecar subtitles, else keep the file for transcription with its duration', async () => {
    const local = testAcquirer({ allowLocalFiles: true });
    const withSubs = join(dir, 'talk.ogg');
    writeFileSync(withSubs, clip);
    writeFileSync(join(dir, 'talk.en.vtt'), VTT);
    const a = await local.acquire(withSubs, { signal: signal() });
    if (!a.ok) throw a.error;
    expect(a.value.media?.captions).toBe('manual');
    expect(a.value.segments).toHaveLength(2);
    expect(a.value.media?.durationSec).toBeCloseTo(2, 0);

    const bare = join(dir, 'clip.ogg');
    const b = await local.acquire(bare, { signal: signal() });
    if (!b.ok) throw b.error;
    expect(b.value.media).toMatchObject({ captions: 'none', audioPath: bare });
    expect(b.value.notes).toContain(NO_TRANSCRIPT_NOTE);
    expect(b.value.text).toBe('');
  });
});
