// Media through yt-dlp: metadata, captions first, else audio kept for transcription — all traffic via the guard proxy.
import { copyFile, chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, sep } from 'node:path';
import type { Clock } from '../../core/clock.js';
import type { AppError } from '../../core/errors.js';
import { toAppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { err, ok, type Result } from '../../core/result.js';
import { decodeBody } from './charset.js';
import { permanent, transient } from './errors.js';
import type { SsrfGuard } from './guard.js';
import { GuardProxy } from './guard-proxy.js';
import { detectLanguage, toIso6391 } from './language.js';
import { mediaChildEnv, runProcess, type RunResult } from './process.js';
import { parseSubtitles } from './subtitles.js';
import type { AcquiredContent } from './types.js';

/** Said plainly whenever media has neither captions nor a transcript. */
export const NO_TRANSCRIPT_NOTE =
  'No captions or subtitles were available and no transcription engine is configured, so no transcript could be made.';
export const DESCRIPTION_ONLY_NOTE =
  "The text is the media's title and description from its page, not a transcript of what is said.";

/** What the media path produces: the content fields of AcquiredContent, with media facts always present. */
export type MediaContent = Pick<
  AcquiredContent,
  'finalUrl' | 'title' | 'byline' | 'siteName' | 'publishedTime' | 'language' | 'text' | 'segments' | 'notes'
> & { readonly media: NonNullable<AcquiredContent['media']> };

export interface MediaOptions {
  readonly ytDlpPath: string;
  readonly ffmpegPath: string;
  /** A fresh directory for this acquisition's downloads. */
  readonly workDir: string;
  readonly guard: SsrfGuard;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly maxMediaBytes: number;
  /** Longer media is refused before anything is downloaded. */
  readonly maxDurationSec: number;
  /** A Netscape cookies file for sites that demand sign-in (YTDLP_COOKIES); yt-dlp gets a private copy. */
  readonly cookiesPath: string | null;
  /** Whether a configured speech-to-text engine will use the audio: without one, nothing is downloaded. */
  readonly needsAudio: boolean;
  readonly progress: (fraction: number, message: string) => void;
}

interface SubtitleTrack {
  readonly ext?: string;
  readonly url?: string;
}

interface YtFormat {
  readonly url?: string;
  readonly protocol?: string;
}

/** The part of yt-dlp's `-J` output we read. */
export interface YtInfo {
  readonly _type?: string;
  readonly entries?: readonly YtInfo[];
  readonly id?: string;
  readonly title?: string | null;
  readonly description?: string | null;
  readonly duration?: number | null;
  readonly uploader?: string | null;
  readonly channel?: string | null;
  readonly upload_date?: string | null;
  readonly extractor?: string;
  readonly extractor_key?: string;
  readonly webpage_url?: string;
  readonly language?: string | null;
  readonly subtitles?: Readonly<Record<string, readonly SubtitleTrack[]>> | null;
  readonly automatic_captions?: Readonly<Record<string, readonly SubtitleTrack[]>> | null;
  readonly url?: string;
  readonly formats?: readonly YtFormat[];
  readonly is_live?: boolean | null;
  readonly was_live?: boolean | null;
  /** `not_live`, `is_live`, `is_upcoming`, `was_live`, `post_live` (recent yt-dlp). */
  readonly live_status?: string | null;
}

/** Audio only: the best audio-only format, else the smallest format that has sound — never full-resolution video. */
export const AUDIO_FORMAT = 'bestaudio/worstaudio/worst[acodec!=none]/worst';

/** Why a media item cannot be analysed as a recording (live, upcoming, still being processed), or null. */
export function liveRefusal(info: YtInfo): string | null {
  const status = info.live_status ?? (info.is_live === true ? 'is_live' : null);
  if (status === 'is_live') return 'It is a live stream';
  if (status === 'is_upcoming') return 'It is a scheduled live stream that has not started';
  if (status === 'post_live') return 'It is a live stream that has just ended and is still being processed';
  return null;
}

// Protocols whose every request goes through yt-dlp's own HTTP stack, and so through --proxy.
const PROXIED_PROTOCOLS = new Set(['http', 'https', 'm3u8_native', 'http_dash_segments', 'm3u8']);
const isHttpUrl = (u: unknown): boolean => typeof u === 'string' && /^https?:\/\//i.test(u);

/**
 * Keeps only http(s) media and caption URLs in the info JSON the downloads are driven from. Older yt-dlp builds
 * follow `file://` links a page embeds (a hostile `<track src="file:///…">` would read the bot's disk), and
 * protocols handed to ffmpeg/rtmpdump would not honour the guard proxy.
 */
export function sanitizeInfo(info: YtInfo): YtInfo {
  const tracks = (t: YtInfo['subtitles']): Record<string, SubtitleTrack[]> => {
    const out: Record<string, SubtitleTrack[]> = {};
    for (const [lang, list] of Object.entries(t ?? {})) {
      const kept = list.filter((x) => isHttpUrl(x.url));
      if (kept.length > 0) out[lang] = kept;
    }
    return out;
  };
  const formats = (info.formats ?? []).filter(
    (f) => isHttpUrl(f.url) && (f.protocol === undefined || PROXIED_PROTOCOLS.has(f.protocol)),
  );
  const copy: Record<string, unknown> = { ...info, formats, subtitles: tracks(info.subtitles) };
  copy['automatic_captions'] = tracks(info.automatic_captions);
  if (info.url !== undefined && !isHttpUrl(info.url)) delete copy['url'];
  // Pre-selected downloads carry their own URLs: let yt-dlp select again from the filtered formats.
  delete copy['requested_downloads'];
  delete copy['requested_formats'];
  delete copy['requested_subtitles'];
  return copy as YtInfo;
}

const GENERIC_EXTRACTORS = new Set(['generic', 'html5', 'HTML5MediaEmbed', 'Generic']);
const SUBTITLE_EXTS = new Set(['.vtt', '.srt']);

/** Picks the subtitle language: the media's own language, its `-orig` auto track, English, then the first. */
function pickLanguage(
  tracks: Readonly<Record<string, readonly SubtitleTrack[]>>,
  preferred: string | null,
): string | null {
  const keys = Object.keys(tracks).filter((k) => k !== 'live_chat' && (tracks[k]?.length ?? 0) > 0);
  if (keys.length === 0) return null;
  const wanted = [
    preferred === null ? null : `${preferred}-orig`,
    preferred,
    'en-orig',
    'en',
    'en-US',
    'en-GB',
  ];
  for (const w of wanted) if (w !== null && keys.includes(w)) return w;
  return keys.find((k) => k.endsWith('-orig')) ?? keys[0] ?? null;
}

function ytDate(d: string | null | undefined): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(d ?? '');
  return m === null ? null : `${m[1]}-${m[2]}-${m[3]}`;
}

export class MediaAcquirer {
  readonly #o: MediaOptions;

  constructor(options: MediaOptions) {
    this.#o = options;
  }

  /** Runs yt-dlp on a URL already checked by the guard; yt-dlp's own connections go through the guard proxy. */
  async acquire(url: URL): Promise<Result<MediaContent, AppError>> {
    const o = this.#o;
    await mkdir(o.workDir, { recursive: true });
    const proxy = await GuardProxy.start({ guard: o.guard, logger: o.logger });
    let keep: string | null = null;
    try {
      const cookies = await this.#privateCookies();
      if (!cookies.ok) return cookies;
      const common = [
        ...(cookies.value === null ? [] : ['--cookies', cookies.value]),
        '--ignore-config',
        '--no-playlist',
        '--no-warnings',
        '--proxy',
        proxy.url,
        '--socket-timeout',
        '20',
        '--retries',
        '3',
        '--no-cache-dir',
      ];
      o.progress(0.05, 'Reading media metadata');
      const infoRun = await this.#run(proxy, [...common, '--dump-single-json', url.href], 16 * 1024 * 1024);
      if (infoRun.kind !== 'exited' || infoRun.code !== 0) return err(this.#failure(infoRun, proxy));
      let info: YtInfo;
      try {
        info = JSON.parse(infoRun.stdout) as YtInfo;
      } catch (e: unknown) {
        return err(
          permanent('acquire.ytdlp_failed', 'yt-dlp printed invalid JSON', { cause: toAppError(e) }),
        );
      }
      if (info._type === 'playlist') {
        const first = info.entries?.[0];
        if (first === undefined)
          return err(permanent('acquire.unsupported_content', 'Playlist without entries'));
        info = first;
      }
      const live = liveRefusal(info);
      if (live !== null)
        return err(
          permanent('acquire.live_stream', live, {
            userMessage: `${live}: live streams cannot be analysed. Try again once the recording is published.`,
          }),
        );
      if (typeof info.duration === 'number' && info.duration > o.maxDurationSec)
        return err(tooLong(info.duration, o.maxDurationSec));
      const infoPath = join(o.workDir, 'info.json');
      await writeFile(infoPath, JSON.stringify(info));
      const loaded = [...common, '--load-info-json', infoPath];

      const generic =
        GENERIC_EXTRACTORS.has(info.extractor ?? '') || GENERIC_EXTRACTORS.has(info.extractor_key ?? '');
      const base = {
        finalUrl: info.webpage_url ?? url.href,
        title: info.title?.trim() || null,
        byline: (info.uploader ?? info.channel)?.trim() || null,
        siteName: generic ? null : (info.extractor_key ?? null),
        publishedTime: generic ? null : ytDate(info.upload_date),
      };
      const durationSec = typeof info.duration === 'number' && info.duration >= 0 ? info.duration : null;
      const infoLang = toIso6391(info.language);

      const manual = info.subtitles ?? {};
      const automatic = info.automatic_captions ?? {};
      for (const [kind, tracks] of [
        ['manual', manual],
        ['automatic', automatic],
      ] as const) {
        const lang = pickLanguage(tracks, infoLang);
        if (lang === null) continue;
        o.progress(0.3, `Downloading ${kind} captions`);
        const subsDir = join(o.workDir, `subs-${kind}`);
        const run = await this.#run(proxy, [
          ...loaded,
          '--skip-download',
          kind === 'manual' ? '--write-subs' : '--write-auto-subs',
          '--sub-langs',
          lang,
          '--sub-format',
          'vtt/srt/best',
          '-o',
          join(subsDir, 'media.%(ext)s'),
        ]);
        if (run.kind !== 'exited' || run.code !== 0) {
          const f = this.#failure(run, proxy);
          if (f.code === 'acquire.private_address' || run.kind === 'aborted') return err(f);
          o.logger.warn({ code: f.code }, 'caption download failed');
          continue;
        }
        const parsed = await readSubtitleDir(subsDir);
        if (parsed === null || parsed.text === '') continue;
        o.progress(0.9, 'Captions parsed');
        return ok({
          ...base,
          language: toIso6391(lang) ?? infoLang ?? detectLanguage(parsed.text),
          text: parsed.text,
          segments: parsed.segments,
          media: { durationSec, captions: kind, audioPath: null },
          notes: kind === 'automatic' ? ['The transcript comes from automatically generated captions.'] : [],
        });
      }

      const notes: string[] = [NO_TRANSCRIPT_NOTE];
      let audioPath: string | null = null;
      if (o.needsAudio) {
        o.progress(0.4, 'No captions: downloading audio for transcription');
        const audioDir = join(o.workDir, 'audio');
        const audioRun = await this.#run(proxy, [
          ...loaded,
          '-f',
          AUDIO_FORMAT,
          '-x',
          '--ffmpeg-location',
          o.ffmpegPath,
          '--max-filesize',
          String(o.maxMediaBytes),
          '--hls-prefer-native',
          '-o',
          join(audioDir, 'audio.%(ext)s'),
        ]);
        if (audioRun.kind === 'exited' && /larger than max-filesize/i.test(audioRun.stdout + audioRun.stderr))
          return err(tooBig(o.maxMediaBytes));
        if (audioRun.kind === 'exited' && audioRun.code === 0) audioPath = await findAudio(audioDir);
        else {
          const f = this.#failure(audioRun, proxy);
          if (f.code === 'acquire.private_address' || audioRun.kind === 'aborted') return err(f);
          o.logger.warn({ code: f.code }, 'audio download failed');
        }
        if (audioPath === null) notes.push('The audio could not be downloaded (unavailable).');
      }
      const text = [base.title, info.description?.trim()].filter((s): s is string => !!s).join('\n\n');
      if (text !== '') notes.push(DESCRIPTION_ONLY_NOTE);
      keep = audioPath;
      o.progress(1, audioPath === null ? 'No transcript available' : 'Audio kept for transcription');
      return ok({
        ...base,
        language: infoLang ?? detectLanguage(text),
        text,
        segments: null,
        media: { durationSec, captions: 'none', audioPath },
        notes,
      });
    } finally {
      await proxy.close();
      // Metadata, caption files and the cookies copy are read by now: only the audio for transcription stays.
      await tidyWorkDir(o.workDir, keep);
    }
  }

  #run(proxy: GuardProxy, args: readonly string[], maxStdout?: number): Promise<RunResult> {
    return runProcess(this.#o.ytDlpPath, args, {
      clock: this.#o.clock,
      signal: this.#o.signal,
      timeoutMs: this.#o.timeoutMs,
      env: mediaChildEnv({ workDir: this.#o.workDir, proxyUrl: proxy.url }),
      cwd: this.#o.workDir,
      ...(maxStdout === undefined ? {} : { maxStdout }),
    });
  }

  /** yt-dlp rewrites its cookies file on exit: it works on a private copy, so the operator's file stays as it was. */
  async #privateCookies(): Promise<Result<string | null, AppError>> {
    const source = this.#o.cookiesPath;
    if (source === null) return ok(null);
    const copy = join(this.#o.workDir, 'cookies.txt');
    try {
      await copyFile(source, copy);
      await chmod(copy, 0o600);
      return ok(copy);
    } catch (e: unknown) {
      return err(
        permanent('acquire.ytdlp_failed', 'The YTDLP_COOKIES file could not be read', {
          cause: toAppError(e),
          userMessage: 'The configured yt-dlp cookies file (YTDLP_COOKIES) could not be read.',
        }),
      );
    }
  }

  #failure(run: RunResult, proxy: GuardProxy): AppError {
    const refused = proxy.refusals[0];
    if (refused !== undefined)
      return permanent(
        'acquire.private_address',
        'yt-dlp was refused a non-public address by the guard proxy',
        {
          context: { reason: refused.code },
        },
      );
    switch (run.kind) {
      case 'missing':
        return permanent('acquire.ytdlp_missing', `yt-dlp not found at ${this.#o.ytDlpPath}`);
      case 'timeout':
        return permanent('acquire.timeout', 'yt-dlp did not finish in time');
      case 'aborted':
        return toAppError(run.reason);
      case 'overflow':
        return permanent('acquire.too_large', 'yt-dlp printed more metadata than allowed');
      case 'failed':
        return transient('acquire.ytdlp_failed', `yt-dlp could not start: ${run.message}`);
      case 'exited': {
        const stderr = run.stderr.trim().split('\n').slice(-3).join(' | ');
        if (/Unsupported URL/i.test(stderr))
          return permanent('acquire.unsupported_content', 'yt-dlp: unsupported URL', { context: { stderr } });
        if (/HTTP Error (4\d\d)/.test(stderr))
          return permanent('acquire.http_status', 'yt-dlp: HTTP client error', { context: { stderr } });
        if (/HTTP Error 5\d\d|timed out|Temporary failure/i.test(stderr))
          return transient('acquire.ytdlp_failed', 'yt-dlp: transient failure', { context: { stderr } });
        return permanent('acquire.ytdlp_failed', `yt-dlp exited with ${run.code ?? 'a signal'}`, {
          context: { stderr },
        });
      }
    }
  }
}

export function tooLong(durationSec: number, maxSec: number): AppError {
  const mins = (s: number): string => `${Math.round(s / 60)} min`;
  return permanent('acquire.media_too_long', `Media lasts ${durationSec} s, limit ${maxSec} s`, {
    context: { durationSec, maxSec },
    userMessage: `The media lasts ${mins(durationSec)}, longer than the ${mins(maxSec)} limit (AUTOINTEL_MAX_MEDIA_MINUTES).`,
  });
}

export function tooBig(maxBytes: number): AppError {
  const mb = Math.round(maxBytes / (1024 * 1024));
  return permanent('acquire.too_large', `Media audio passes ${maxBytes} bytes`, {
    context: { maxBytes },
    userMessage: `The media's audio is larger than the ${mb} MB limit (AUTOINTEL_MAX_MEDIA_MB).`,
  });
}

/** Removes everything under an acquisition's directory but the kept audio — all of it when none is kept. */
export async function tidyWorkDir(dir: string, keep: string | null): Promise<void> {
  if (keep === null) {
    await rm(dir, { recursive: true, force: true });
    return;
  }
  const kept = relative(dir, keep).split(sep)[0];
  for (const name of await readdir(dir).catch(() => [] as string[]))
    if (name !== kept) await rm(join(dir, name), { recursive: true, force: true });
}

async function readSubtitleDir(dir: string): Promise<ReturnType<typeof parseSubtitles> | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  for (const name of names.sort()) {
    if (!SUBTITLE_EXTS.has(extname(name).toLowerCase())) continue;
    const bytes = await readFile(join(dir, name));
    const parsed = parseSubtitles(decodeBody(bytes).text);
    if (parsed.text !== '') return parsed;
  }
  return null;
}

async function findAudio(dir: string): Promise<string | null> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const done = names.filter((n) => n.startsWith('audio.') && !/\.(part|ytdl|temp)$/i.test(n));
  for (const n of done) {
    const s = await stat(join(dir, n));
    if (s.isFile() && s.size > 0) return join(dir, n);
  }
  return null;
}

/** Duration of a local media file, read from ffmpeg's stream banner; null when ffmpeg cannot tell. */
export async function probeDuration(
  ffmpegPath: string,
  file: string,
  options: { clock: Clock; signal: AbortSignal },
): Promise<number | null> {
  const run = await runProcess(ffmpegPath, ['-hide_banner', '-nostdin', '-i', file], {
    clock: options.clock,
    signal: options.signal,
    timeoutMs: 30_000,
  });
  if (run.kind !== 'exited') return null;
  const m = /Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(run.stderr);
  if (m === null) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

/** Subtitle files sitting beside a local media file (`talk.vtt`, `talk.en.srt`). */
export async function findSidecarSubtitles(file: string): Promise<string | null> {
  const dir = dirname(file);
  const stem = basename(file, extname(file));
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return null;
  }
  const found = names
    .filter((n) => n.startsWith(`${stem}.`) && SUBTITLE_EXTS.has(extname(n).toLowerCase()))
    .sort((a, b) => a.length - b.length);
  return found[0] === undefined ? null : join(dir, found[0]);
}

export interface DirectMediaOptions {
  readonly ffmpegPath: string;
  /** This acquisition's own directory; the audio lands in it. */
  readonly workDir: string;
  readonly guard: SsrfGuard;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly maxMediaBytes: number;
  readonly maxDurationSec: number;
  readonly needsAudio: boolean;
}

export interface DirectMedia {
  readonly durationSec: number | null;
  readonly title: string | null;
  /** The audio track alone (never the video), or null when no engine will use it. */
  readonly audioPath: string | null;
}

/** ffmpeg may only speak HTTP(S) — no file:, concat:, subfile: or pipe: a hostile playlist could name. */
const NETWORK_PROTOCOLS = 'http,https,tcp,tls,crypto,httpproxy';

/** ffmpeg's banner for one input: its duration, whether it has sound, and its title tag. */
export function parseProbe(stderr: string): {
  durationSec: number | null;
  hasAudio: boolean;
  title: string | null;
} {
  const d = /Duration:\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  const title = /^\s{4}title\s*:\s*(.+)$/im.exec(stderr)?.[1]?.trim() ?? null;
  return {
    durationSec: d === null ? null : Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]),
    hasAudio: /Stream #\d+:\d+.*: Audio:/.test(stderr),
    title: title === '' ? null : title,
  };
}

/**
 * A direct audio/video URL (or a podcast enclosure): ffmpeg reads it through the guard proxy and keeps only the
 * first audio track, copied without re-encoding — a video's pictures are never written to disk. Refuses plainly
 * what is too long, too large, without sound, or endless (a radio stream).
 */
export async function fetchDirectMedia(
  url: URL,
  o: DirectMediaOptions,
): Promise<Result<DirectMedia, AppError>> {
  await mkdir(o.workDir, { recursive: true });
  const proxy = await GuardProxy.start({ guard: o.guard, logger: o.logger });
  const run = (args: readonly string[]): Promise<RunResult> =>
    runProcess(o.ffmpegPath, args, {
      clock: o.clock,
      signal: o.signal,
      timeoutMs: o.timeoutMs,
      env: mediaChildEnv({ workDir: o.workDir, proxyUrl: proxy.url }),
      cwd: o.workDir,
    });
  const input = [
    '-hide_banner',
    '-nostdin',
    '-protocol_whitelist',
    NETWORK_PROTOCOLS,
    '-http_proxy',
    proxy.url,
    '-i',
    url.href,
  ];
  const failed = (r: RunResult): AppError => {
    if (proxy.refusals.length > 0)
      return permanent(
        'acquire.private_address',
        'ffmpeg was refused a non-public address by the guard proxy',
        {
          context: { reason: proxy.refusals[0]?.code },
        },
      );
    if (r.kind === 'missing')
      return permanent('acquire.ffmpeg_missing', `ffmpeg not found at ${o.ffmpegPath}`);
    if (r.kind === 'aborted') return toAppError(r.reason);
    if (r.kind === 'timeout') return permanent('acquire.timeout', 'ffmpeg did not finish in time');
    const stderr = r.kind === 'exited' ? r.stderr.trim().split('\n').slice(-3).join(' | ') : '';
    return permanent('acquire.ytdlp_failed', 'ffmpeg could not read the media', { context: { stderr } });
  };
  let keep: string | null = null;
  try {
    const probe = await run(input);
    // Without an output ffmpeg always exits 1; the banner is what matters.
    if (probe.kind !== 'exited' || proxy.refusals.length > 0) return err(failed(probe));
    const info = parseProbe(probe.stderr);
    if (!/Input #0/.test(probe.stderr)) return err(failed(probe));
    if (!info.hasAudio)
      return err(
        permanent('acquire.unsupported_content', 'Media without an audio track', {
          userMessage: 'The media at that link has no sound, so there is nothing to transcribe.',
        }),
      );
    if (info.durationSec === null)
      return err(
        permanent('acquire.live_stream', 'Media without a known duration', {
          userMessage:
            'That link is a continuous stream with no end (a live or radio stream), which cannot be analysed.',
        }),
      );
    if (info.durationSec > o.maxDurationSec) return err(tooLong(info.durationSec, o.maxDurationSec));
    if (!o.needsAudio) return ok({ durationSec: info.durationSec, title: info.title, audioPath: null });
    const audioPath = join(o.workDir, 'audio.mka');
    const copy = await run([
      ...input,
      '-loglevel',
      'error',
      '-map',
      '0:a:0',
      '-vn',
      '-sn',
      '-dn',
      '-c',
      'copy',
      '-fs',
      String(o.maxMediaBytes),
      // A banner duration can be an estimate: never copy more than the limit allows.
      '-t',
      String(o.maxDurationSec + 1),
      '-y',
      audioPath,
    ]);
    if (copy.kind !== 'exited' || copy.code !== 0) return err(failed(copy));
    const size = await stat(audioPath).then(
      (s) => s.size,
      () => 0,
    );
    // -fs stops writing at the cap without an error: a file that reached it is cut short, so it is refused.
    if (size >= o.maxMediaBytes - 64 * 1024) return err(tooBig(o.maxMediaBytes));
    if (size === 0) return err(failed(copy));
    // The banner's duration over HTTP can be an estimate (Ogg without seeking); the local copy's is exact, and a
    // copy ffmpeg cannot read back (a stream cut short, a server that broke off) is a failure, not audio.
    const exact = await probeDuration(o.ffmpegPath, audioPath, { clock: o.clock, signal: o.signal });
    if (exact === null)
      return err(
        permanent('acquire.ytdlp_failed', 'The copied audio track is unreadable', {
          userMessage: 'The media at that link could not be read completely.',
        }),
      );
    if (exact > o.maxDurationSec) return err(tooLong(exact, o.maxDurationSec));
    keep = audioPath;
    return ok({ durationSec: exact, title: info.title, audioPath });
  } finally {
    await proxy.close();
    await tidyWorkDir(o.workDir, keep);
  }
}
