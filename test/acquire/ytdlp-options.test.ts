// yt-dlp as users run it, against a fake yt-dlp that records its arguments and environment: the child sees no
// secrets, works on a private copy of the cookies file, downloads audio only, and live/over-long media is refused.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIO_FORMAT } from '../../src/analysis/acquire/media.js';
import { NO_TRANSCRIPT_NOTE } from '../../src/analysis/acquire/index.js';
import { signal, testAcquirer } from './helpers.js';

const SECRETS = {
  DISCORD_TOKEN: 'MTIzNDU2.discord-token-value',
  AUTOINTEL_SECRET_KEY: 'k'.repeat(64),
  DATABASE_URL: 'postgres://bot:hunter2@db.internal/autointel',
  AUTOINTEL_STT_API_KEY: 'sk-stt-secret',
};

describe('yt-dlp child process', () => {
  let dir: string;
  let fake: string;
  const saved: Record<string, string | undefined> = {};

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'autointel-fake-ytdlp-'));
    fake = join(dir, 'yt-dlp');
    // Records every run (arguments, then the environment) and answers -J with the prepared info JSON.
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        `log="${join(dir, 'runs.log')}"`,
        'echo "ARGS $*" >> "$log"',
        'env | sed "s/^/ENV /" >> "$log"',
        'case " $* " in',
        `  *" --dump-single-json "*) cat "${join(dir, 'info.json')}" ;;`,
        'esac',
        'exit 0',
        '',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    for (const [k, v] of Object.entries(SECRETS)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const info = (o: Record<string, unknown>): void =>
    writeFileSync(
      join(dir, 'info.json'),
      JSON.stringify({
        id: 'x',
        title: 'A talk',
        extractor_key: 'Youtube',
        description: 'About rivers.',
        ...o,
      }),
    );
  const runs = (): { args: string; env: Map<string, string> }[] => {
    const out: { args: string; env: Map<string, string> }[] = [];
    for (const line of readFileSync(join(dir, 'runs.log'), 'utf8').split('\n')) {
      if (line.startsWith('ARGS ')) out.push({ args: line.slice(5), env: new Map() });
      else if (line.startsWith('ENV ')) {
        const kv = line.slice(4);
        const at = kv.indexOf('=');
        out.at(-1)?.env.set(kv.slice(0, at), kv.slice(at + 1));
      }
    }
    return out;
  };
  const acquirer = (over: Parameters<typeof testAcquirer>[0] = {}) =>
    testAcquirer({
      ytDlpPath: fake,
      // The fake never connects anywhere; the guard only needs the name to resolve to a public address.
      resolver: () => Promise.resolve([{ address: '93.184.216.34', family: 4 }]),
      ...over,
    });
  const VIDEO = 'https://www.youtube.com/watch?v=abcdefghijk';

  it('gives yt-dlp only PATH, HOME/TMP in its work directory, the locale and the guard proxy', async () => {
    info({ duration: 60 });
    const r = await acquirer({ needsAudio: true }).acquire(VIDEO, { signal: signal() });
    if (!r.ok) throw r.error;
    const all = runs();
    expect(all.length).toBeGreaterThanOrEqual(2);
    for (const { env } of all) {
      const dump = [...env.entries()].map(([k, v]) => `${k}=${v}`).join('\n');
      for (const secret of Object.values(SECRETS)) expect(dump).not.toContain(secret);
      for (const k of Object.keys(SECRETS)) expect(env.has(k)).toBe(false);
      const home = env.get('HOME') ?? '';
      expect(home).toContain('autointel-acquire-');
      expect(env.get('TMPDIR')).toBe(home);
      expect(env.get('https_proxy')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(env.get('NO_PROXY')).toBe('');
      const allowed =
        /^(PATH|HOME|TMPDIR|TMP|TEMP|LANG|LC_ALL|LC_CTYPE|TZ|PYTHON\w+|(http|https|all|no)_proxy|(HTTP|HTTPS|ALL|NO)_PROXY|PWD|SHLVL|_|OLDPWD)$/;
      expect([...env.keys()].filter((k) => !allowed.test(k))).toEqual([]);
    }
  });

  it('downloads audio-only formats, within the size cap, and only when an engine will use them', async () => {
    info({ duration: 60 });
    await acquirer({ needsAudio: true, maxMediaBytes: 1234567 }).acquire(VIDEO, { signal: signal() });
    const download = runs().find((x) => x.args.includes(' -x '));
    expect(download?.args).toContain(`-f ${AUDIO_FORMAT}`);
    expect(download?.args).toContain('--max-filesize 1234567');
  });

  it('downloads nothing when no speech-to-text engine is configured, and leaves no files behind', async () => {
    info({ duration: 60 });
    const workDir = mkdtempSync(join(tmpdir(), 'autointel-acquire-'));
    const r = await acquirer({ needsAudio: false, workDir }).acquire(VIDEO, { signal: signal() });
    expect(readdirSync(workDir)).toEqual([]);
    if (!r.ok) throw r.error;
    expect(runs().map((x) => x.args.includes('--dump-single-json'))).toEqual([true]);
    expect(r.value.media?.audioPath).toBeNull();
    expect(r.value.notes).toContain(NO_TRANSCRIPT_NOTE);
    expect(r.value.text).toContain('About rivers.');
  });

  it('passes YTDLP_COOKIES as a private copy, deleted afterwards, and leaves the original untouched', async () => {
    info({ duration: 60 });
    const cookies = join(dir, 'cookies.txt');
    writeFileSync(cookies, '# Netscape HTTP Cookie File\n');
    chmodSync(cookies, 0o644);
    await acquirer({ ytDlpCookies: cookies }).acquire(VIDEO, { signal: signal() });
    const args = runs()[0]!.args;
    const m = / --cookies (\S+) /.exec(` ${args} `);
    expect(m?.[1]).toBeDefined();
    expect(m?.[1]).not.toBe(cookies);
    expect(m![1]!).toContain('autointel-acquire-');
    // The copy lived only as long as the acquisition; the operator's file is as it was.
    expect(existsSync(m![1]!)).toBe(false);
    expect(readFileSync(cookies, 'utf8')).toBe('# Netscape HTTP Cookie File\n');
  });

  it('says so when the cookies file cannot be read', async () => {
    info({ duration: 60 });
    const r = await acquirer({ ytDlpCookies: join(dir, 'missing-cookies.txt') }).acquire(VIDEO, {
      signal: signal(),
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.userMessage).toContain('YTDLP_COOKIES');
  });

  it.each([
    [{ live_status: 'is_live', is_live: true }, /^It is a live stream: live streams cannot be analysed/],
    [{ is_live: true }, /^It is a live stream/],
    [{ live_status: 'is_upcoming' }, /has not started/],
    [{ live_status: 'post_live' }, /still being processed/],
  ])('refuses live media plainly (%j)', async (fields, message) => {
    info(fields);
    const r = await acquirer({ needsAudio: true }).acquire(VIDEO, { signal: signal() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('acquire.live_stream');
    expect(r.error.userMessage).toMatch(message);
    expect(runs()).toHaveLength(1);
  });

  it('a missing yt-dlp is a typed error that says how to install it', async () => {
    const r = await acquirer({ ytDlpPath: join(dir, 'no-such-yt-dlp') }).acquire(VIDEO, { signal: signal() });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('acquire.ytdlp_missing');
    expect(r.error.userMessage).toContain('apt-get install yt-dlp');
    expect(r.error.userMessage).toContain('YTDLP_PATH');
  });

  it('refuses media longer than the limit before downloading anything', async () => {
    info({ duration: 5 * 3600 });
    const r = await acquirer({ needsAudio: true, maxMediaSeconds: 3 * 3600 }).acquire(VIDEO, {
      signal: signal(),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('acquire.media_too_long');
    expect(r.error.userMessage).toBe(
      'The media lasts 300 min, longer than the 180 min limit (AUTOINTEL_MAX_MEDIA_MINUTES).',
    );
    expect(runs()).toHaveLength(1);
    expect(existsSync(join(dir, 'runs.log'))).toBe(true);
  });
});
