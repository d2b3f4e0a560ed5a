// Acquisition: a URL or local file → AcquiredContent (article, text, subtitles or media), safely and within limits.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Clock } from '../../core/clock.js';
import { toAppError, type AppError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { err, ok, type Result } from '../../core/result.js';
import { inlineBodyExtractor, type BodyExtractor } from '../work/extractor.js';
import { type BodyFields, type BodyKind, type ContentFields } from './body.js';
import { DefaultBodyLimits, type BodyLimits } from './budget.js';
import { decodeBody } from './charset.js';
import { permanent } from './errors.js';
import { DEFAULT_TIMEOUTS, guardedFetch, type Timeouts } from './fetch.js';
import { SsrfGuard, type Resolver } from './guard.js';
import { extractPdfText, isPdfBytes } from './pdf.js';
import {
  FEED_TYPES,
  looksLikeFeed,
  parseFeed,
  parseTranscript,
  pickEpisode,
  pickTranscript,
} from './podcast.js';
import { detectLanguage, toIso6391 } from './language.js';
import {
  DESCRIPTION_ONLY_NOTE,
  fetchDirectMedia,
  MediaAcquirer,
  NO_TRANSCRIPT_NOTE,
  tooLong,
  type DirectMediaOptions,
  findSidecarSubtitles,
  probeDuration,
  type MediaContent,
} from './media.js';
import { checkSourceSyntax } from './source.js';
import { acquisitionDir, releaseAudio } from './workspace.js';
import { parseSubtitles } from './subtitles.js';
import { isMarkdownName } from './text.js';
import type { AcquiredContent } from './types.js';

export { checkSourceSyntax, type CheckedSource, type SourceSyntaxOptions } from './source.js';
export { sweepWorkDir } from './workspace.js';
export { ACQUIRE_ERROR_CODES, type AcquireErrorCode } from './errors.js';
export { NO_TRANSCRIPT_NOTE, DESCRIPTION_ONLY_NOTE } from './media.js';
export type { AcquiredContent, TranscriptSegment, ContentKind, PageRange } from './types.js';

export interface AcquireOptions {
  clock: Clock;
  logger: Logger;
  /** AUTOINTEL_ALLOW_PRIVATE_NETWORKS (tests/demo only). */
  allowPrivateNetworks: boolean;
  /** AUTOINTEL_MAX_CONTENT_BYTES: cap on decoded page/text bytes. */
  maxBytes: number;
  ytDlpPath: string;
  ffmpegPath: string;
  /** Where media/captions are downloaded (under AUTOINTEL_DATA_DIR); each acquisition gets a subdirectory. */
  workDir: string;
  /** Injectable DNS (tests). */
  resolver?: (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number; totalMs?: number };
  /** Default 5. */
  maxRedirects?: number;
  /** CLI: true; Discord: false (a Discord user must never read the bot's disk). */
  allowLocalFiles?: boolean;
  /**
   * Exact `address:port` endpoints allowed although private (e.g. a test server's `127.0.0.1:41234`), while
   * every other private address stays refused — including on redirects and inside yt-dlp.
   */
  allowedEndpoints?: readonly string[];
  /** Cap on a downloaded media file (yt-dlp `--max-filesize`). Default 200 MiB. */
  maxMediaBytes?: number;
  /** Media longer than this is refused before anything is downloaded. Default 4 hours. */
  maxMediaSeconds?: number;
  /**
   * Which episode of a podcast feed (title or number) when the source is a feed; a `#episode=…` fragment on the
   * feed URL (how a Discord request carries it) takes precedence. Default: the newest.
   */
  episode?: string;
  /** YTDLP_COOKIES: a cookies file for sites that demand sign-in. */
  ytDlpCookies?: string;
  /**
   * Whether a configured speech-to-text engine will transcribe downloaded audio. Default false: without one, no
   * audio is downloaded at all and the content says that no transcript could be made.
   */
  needsAudio?: boolean;
  /** Deadline for each yt-dlp run. Default 15 minutes. */
  mediaTimeoutMs?: number;
  /**
   * Where bodies are decoded and parsed: the content pool in services (off the loop that answers Discord, with a
   * deadline); inline by default, for the CLI and unit tests.
   */
  extractor?: BodyExtractor;
  /** Text length and DOM budgets (AUTOINTEL_MAX_TEXT_CHARS, AUTOINTEL_MAX_DOM_DEPTH, AUTOINTEL_MAX_DOM_ELEMENTS). */
  limits?: Partial<BodyLimits>;
  /** Deadline for reading a PDF's text (its worker is terminated past it). Default 60 s. */
  pdfTimeoutMs?: number;
}

export interface AcquireContext {
  signal: AbortSignal;
  /** The workflow acquiring: its downloads go to a directory named after it, so a sweep at start can tell them apart. */
  workflowId?: string;
  progress?: (fraction: number, message: string) => void;
}

export interface Acquirer {
  acquire(source: string, ctx: AcquireContext): Promise<Result<AcquiredContent, AppError>>;
  /** Deletes the downloaded audio of `content` (and its directory) once transcription no longer needs it. */
  release(content: AcquiredContent): Promise<void>;
}

const DEFAULT_MAX_MEDIA_BYTES = 200 * 1024 * 1024;
const DEFAULT_MEDIA_TIMEOUT_MS = 15 * 60_000;
const DEFAULT_MAX_MEDIA_SECONDS = 4 * 3600;
/** A page embedding media with less text than this is treated as a player page and handed to yt-dlp. */
const PLAYER_PAGE_MAX_CHARS = 1000;

// Hosts whose pages are players, not articles: straight to yt-dlp.
const MEDIA_HOSTS =
  /(^|\.)(youtube\.com|youtu\.be|youtube-nocookie\.com|vimeo\.com|soundcloud\.com|dailymotion\.com|twitch\.tv|tiktok\.com|bandcamp\.com)$/i;
const MEDIA_EXTENSIONS = new Set([
  '.mp3', '.m4a', '.aac', '.wav', '.flac', '.ogg', '.oga', '.opus', '.mp4', '.m4v', '.mkv', '.webm', '.mov', '.avi',
]); // prettier-ignore
const MEDIA_TYPES = /^(audio\/|video\/|application\/(ogg|x-mpegurl|vnd\.apple\.mpegurl|dash\+xml)\b)/i;
const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;
const SUBTITLE_TYPES = /^(text\/vtt|text\/srt|text\/x-srt|application\/x-subrip)\b/i;
const MARKDOWN_TYPES = /^text\/(x-)?markdown\b/i;
const SNIFF_TYPES = /^(application\/octet-stream|binary\/octet-stream|application\/unknown)\b/i;

// Adaptive-streaming manifests need yt-dlp (its own HTTP stack fetches every segment through the proxy).
const MANIFEST_TYPES = /^application\/(x-mpegurl|vnd\.apple\.mpegurl|dash\+xml)\b/i;
const isStreamingManifest = (contentType: string | null, name: string): boolean =>
  (contentType !== null && MANIFEST_TYPES.test(contentType)) || /\.(m3u8|mpd)$/i.test(name);

const PDF_TYPES = /^(application\/(x-)?pdf|application\/acrobat)\b/i;

function kindOf(contentType: string | null, name: string): BodyKind {
  const ext = extname(name).toLowerCase();
  if (contentType === null || contentType.trim() === '' || SNIFF_TYPES.test(contentType)) {
    if (MEDIA_EXTENSIONS.has(ext)) return 'media';
    if (ext === '.pdf') return 'pdf';
    if (ext === '.rss' || ext === '.atom' || ext === '.xml') return 'feed';
    if (ext === '.vtt' || ext === '.srt') return 'subtitles';
    if (isMarkdownName(name)) return 'markdown';
    if (ext === '.html' || ext === '.htm' || ext === '.xhtml') return 'html';
    if (ext === '.txt') return 'text';
    return 'sniff';
  }
  if (MEDIA_TYPES.test(contentType)) return 'media';
  if (PDF_TYPES.test(contentType)) return 'pdf';
  if (FEED_TYPES.test(contentType)) return 'feed';
  if (HTML_TYPES.test(contentType)) return 'html';
  if (SUBTITLE_TYPES.test(contentType)) return 'subtitles';
  if (MARKDOWN_TYPES.test(contentType)) return 'markdown';
  if (/^text\/plain\b/i.test(contentType)) {
    if (ext === '.vtt' || ext === '.srt') return 'subtitles';
    return isMarkdownName(name) ? 'markdown' : 'text';
  }
  if (/^text\//i.test(contentType)) return 'text';
  return 'unsupported';
}

/** A feed by its declared type, or an XML/text/unknown body whose root element is `<rss>` or `<feed>`. */
function isFeedBody(kind: BodyKind, body: Buffer): boolean {
  if (kind !== 'feed' && kind !== 'text' && kind !== 'sniff') return false;
  return looksLikeFeed(body.subarray(0, 4096).toString('utf8'));
}

/** `#episode=12` or `#episode=Some%20title` on a feed URL picks that episode; else the configured one, if any. */
export function episodeWanted(url: URL, fallback: string | undefined): string | null {
  const m = /(?:^#|&)episode=([^&]*)/.exec(url.hash);
  if (m?.[1] !== undefined) {
    try {
      return decodeURIComponent(m[1].replace(/\+/g, ' '));
    } catch {
      return m[1];
    }
  }
  return fallback ?? null;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function validate(options: AcquireOptions): void {
  const positive = (name: string, v: number | undefined): void => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0))
      throw new RangeError(`AcquireOptions.${name} must be a positive number, received ${String(v)}`);
  };
  positive('maxBytes', options.maxBytes);
  positive('maxMediaBytes', options.maxMediaBytes);
  positive('maxMediaSeconds', options.maxMediaSeconds);
  positive('mediaTimeoutMs', options.mediaTimeoutMs);
  for (const [k, v] of Object.entries(options.limits ?? {})) positive(`limits.${k}`, v);
  positive('pdfTimeoutMs', options.pdfTimeoutMs);
  for (const [k, v] of Object.entries(options.timeouts ?? {})) positive(`timeouts.${k}`, v);
  if (
    options.maxRedirects !== undefined &&
    !(Number.isInteger(options.maxRedirects) && options.maxRedirects >= 0)
  )
    throw new RangeError(
      `AcquireOptions.maxRedirects must be a non-negative integer, received ${options.maxRedirects}`,
    );
  if (options.workDir.trim() === '') throw new RangeError('AcquireOptions.workDir must not be empty');
}

export function createAcquirer(options: AcquireOptions): Acquirer {
  validate(options);
  return new DefaultAcquirer(options);
}

class DefaultAcquirer implements Acquirer {
  readonly #o: AcquireOptions;
  readonly #guard: SsrfGuard;
  readonly #timeouts: Timeouts;
  readonly #extract: BodyExtractor;
  readonly #limits: BodyLimits;

  constructor(options: AcquireOptions) {
    this.#o = options;
    this.#extract = options.extractor ?? inlineBodyExtractor;
    this.#limits = { ...DefaultBodyLimits, ...options.limits };
    this.#guard = new SsrfGuard({
      allowPrivateNetworks: options.allowPrivateNetworks,
      ...(options.allowedEndpoints === undefined ? {} : { allowedEndpoints: options.allowedEndpoints }),
      ...(options.resolver === undefined ? {} : { resolver: options.resolver as Resolver }),
    });
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  }

  async release(content: AcquiredContent): Promise<void> {
    await releaseAudio(this.#o.workDir, content.media?.audioPath ?? null);
  }

  async acquire(source: string, ctx: AcquireContext): Promise<Result<AcquiredContent, AppError>> {
    const progress = ctx.progress ?? (() => undefined);
    try {
      const checked = checkSourceSyntax(source, {
        allowLocalFiles: this.#o.allowLocalFiles ?? false,
        allowPrivateNetworks: this.#o.allowPrivateNetworks || (this.#o.allowedEndpoints?.length ?? 0) > 0,
      });
      if (!checked.ok) return checked;
      const result =
        checked.value.kind === 'file'
          ? await this.#fromFile(checked.value.normalized, ctx.signal, progress, ctx.workflowId)
          : await this.#fromUrl(new URL(checked.value.normalized), ctx.signal, progress, ctx.workflowId);
      if (!result.ok) {
        this.#o.logger.info({ code: result.error.code }, 'acquisition refused or failed');
        return result;
      }
      const { finalUrl, fields } = result.value;
      progress(1, 'Content acquired');
      return ok({
        ...fields,
        source,
        finalUrl,
        contentHash: sha256(fields.text),
        fetchedAt: this.#o.clock.now(),
      });
    } catch (e: unknown) {
      return err(ctx.signal.aborted ? toAppError(ctx.signal.reason ?? e) : toAppError(e, 'acquire.internal'));
    }
  }

  async #fromUrl(
    url: URL,
    signal: AbortSignal,
    progress: (f: number, m: string) => void,
    wf: string | undefined,
  ): Promise<Result<{ finalUrl: string; fields: ContentFields }, AppError>> {
    if (MEDIA_HOSTS.test(url.hostname)) {
      const pre = await this.#guard.checkUrl(url);
      if (!pre.ok) return pre;
      return this.#media(url, signal, progress, wf);
    }
    progress(0.05, 'Fetching');
    const fetched = await guardedFetch(url, {
      ...this.#fetchOptions(signal),
      wantsBody: (ct, u) => {
        const k = kindOf(ct, u.pathname);
        return k !== 'media' && k !== 'unsupported';
      },
    });
    if (!fetched.ok) return fetched;
    const { finalUrl, contentType, body, contentLanguage } = fetched.value;
    const kind = kindOf(contentType, finalUrl.pathname);
    if (body !== null && (kind === 'pdf' || (kind === 'sniff' && isPdfBytes(body)))) {
      progress(0.5, 'Reading the PDF');
      const doc = await this.#pdf(body, signal);
      return doc.ok ? ok({ finalUrl: finalUrl.href, fields: doc.value }) : doc;
    }
    if (body !== null && isFeedBody(kind, body)) {
      progress(0.3, 'Reading the podcast feed');
      return this.#podcast(
        body,
        contentType,
        finalUrl,
        episodeWanted(url, this.#o.episode),
        signal,
        progress,
        wf,
      );
    }
    if (body === null) {
      if (kind === 'media' && isStreamingManifest(contentType, finalUrl.pathname))
        return this.#media(finalUrl, signal, progress, wf);
      if (kind === 'media') return this.#direct(finalUrl, signal, progress, wf);
      return err(
        permanent('acquire.unsupported_content', `Refused content type ${contentType ?? 'none'}`, {
          context: { contentType },
        }),
      );
    }
    progress(0.5, 'Extracting text');
    const fields = await this.#fromBytes(body, kind, contentType, finalUrl.pathname, contentLanguage, signal);
    if (!fields.ok) return fields;
    // A page that is mostly a player (or carries a caption track) is media: yt-dlp reads its <video>/<audio>.
    const page = fields.value;
    if (page.embeddedMedia !== null && page.embeddedMedia.elements > 0) {
      // Characters, not words: CJK text has no spaces, and a short caption under a player is not an article.
      const playerPage = page.embeddedMedia.textTracks > 0 || page.fields.text.length < PLAYER_PAGE_MAX_CHARS;
      if (playerPage) {
        const media = await this.#media(finalUrl, signal, progress, wf);
        if (media.ok || page.fields.text === '' || media.error.code === 'acquire.private_address')
          return media;
        if (signal.aborted) return media;
        this.#o.logger.warn({ code: media.error.code }, 'embedded media unreadable; keeping the page text');
        return ok({
          finalUrl: finalUrl.href,
          fields: {
            ...page.fields,
            notes: [
              ...page.fields.notes,
              'The page embeds media that could not be read; only its text was used.',
            ],
          },
        });
      }
    }
    if (page.fields.text.trim() === '') return err(permanent('acquire.empty', 'No readable text'));
    return ok({ finalUrl: finalUrl.href, fields: page.fields });
  }

  /** Bytes → content fields, by kind, on the extractor (the content pool in services); fetched bodies and files. */
  #fromBytes(
    bytes: Buffer,
    kind: BodyKind,
    contentType: string | null,
    name: string,
    headerLanguage: string | null,
    signal: AbortSignal,
  ): Promise<Result<BodyFields, AppError>> {
    return this.#extract({ bytes, kind, contentType, name, headerLanguage, limits: this.#limits }, signal);
  }

  async #pdf(bytes: Buffer, signal: AbortSignal): Promise<Result<ContentFields, AppError>> {
    const doc = await extractPdfText(bytes, {
      signal,
      maxChars: this.#o.maxBytes,
      ...(this.#o.pdfTimeoutMs === undefined ? {} : { timeoutMs: this.#o.pdfTimeoutMs }),
    });
    if (!doc.ok) return doc;
    return ok({
      kind: 'document',
      title: doc.value.title,
      byline: null,
      siteName: null,
      publishedTime: null,
      language: detectLanguage(doc.value.text),
      text: doc.value.text,
      segments: null,
      pages: doc.value.pages,
      media: null,
      notes: doc.value.notes,
    });
  }

  /**
   * A podcast feed: the episode asked for (newest by default); its published transcript when it has one, else its
   * enclosure's audio for a speech-to-text engine, else its title and description, said plainly.
   */
  async #podcast(
    bytes: Buffer,
    contentType: string | null,
    feedUrl: URL,
    wanted: string | null,
    signal: AbortSignal,
    progress: (f: number, m: string) => void,
    wf: string | undefined,
  ): Promise<Result<{ finalUrl: string; fields: ContentFields }, AppError>> {
    const feed = parseFeed(decodeBody(bytes, { contentType, html: false }).text, feedUrl);
    if (!feed.ok) return feed;
    const picked = pickEpisode(feed.value, wanted);
    if (!picked.ok) return picked;
    const ep = picked.value;
    const base = {
      kind: 'media' as const,
      title: ep.title,
      byline: feed.value.author,
      siteName: feed.value.title,
      publishedTime: ep.published,
    };
    const finalUrl = ep.link ?? ep.enclosure?.url.href ?? feedUrl.href;
    const feedLanguage = toIso6391(feed.value.language);
    const transcript = pickTranscript(ep.transcripts, feedLanguage);
    const notes: string[] = [];
    if (transcript !== null) {
      progress(0.5, 'Downloading the published transcript');
      const fetched = await guardedFetch(transcript.url, this.#fetchOptions(signal));
      if (fetched.ok && fetched.value.body !== null) {
        const type = transcript.type || (fetched.value.contentType ?? '');
        const t = parseTranscript(
          decodeBody(fetched.value.body, { contentType: fetched.value.contentType }).text,
          type,
        );
        if (t.text !== '')
          return ok({
            finalUrl,
            fields: {
              ...base,
              language: toIso6391(transcript.language) ?? feedLanguage ?? detectLanguage(t.text),
              text: t.text,
              segments: t.segments,
              media: { durationSec: ep.durationSec, captions: 'manual', audioPath: null },
              notes: ['The transcript is the one the podcast publishes with the episode.'],
            },
          });
      }
      if (!fetched.ok && (fetched.error.code === 'acquire.private_address' || signal.aborted)) return fetched;
      this.#o.logger.warn(
        { code: fetched.ok ? 'acquire.empty' : fetched.error.code },
        'podcast transcript unusable',
      );
      notes.push('The transcript the podcast lists could not be read.');
    }
    let durationSec = ep.durationSec;
    let audioPath: string | null = null;
    if (ep.enclosure !== null && this.#o.needsAudio === true) {
      progress(0.4, 'Downloading the episode audio');
      const m = await fetchDirectMedia(ep.enclosure.url, this.#directOptions(signal, wf));
      if (!m.ok) return m;
      durationSec = m.value.durationSec ?? durationSec;
      audioPath = m.value.audioPath;
    }
    if (ep.enclosure === null) notes.push('The episode has no audio enclosure.');
    const text = [ep.title, ep.description].filter((x): x is string => x !== null && x !== '').join('\n\n');
    if (text === '' && audioPath === null)
      return err(permanent('acquire.empty', 'Episode without transcript, audio or description'));
    notes.push(NO_TRANSCRIPT_NOTE);
    if (text !== '') notes.push(DESCRIPTION_ONLY_NOTE);
    return ok({
      finalUrl,
      fields: {
        ...base,
        language: feedLanguage ?? detectLanguage(text),
        text,
        segments: null,
        media: { durationSec, captions: 'none', audioPath },
        notes,
      },
    });
  }

  /** A direct audio/video file: only its audio track is kept, and only when an engine will transcribe it. */
  async #direct(
    url: URL,
    signal: AbortSignal,
    progress: (f: number, m: string) => void,
    wf: string | undefined,
  ): Promise<Result<{ finalUrl: string; fields: ContentFields }, AppError>> {
    progress(0.3, this.#o.needsAudio ? 'Downloading the audio track' : 'Reading media information');
    const m = await fetchDirectMedia(url, this.#directOptions(signal, wf));
    if (!m.ok) return m;
    return ok({
      finalUrl: url.href,
      fields: {
        kind: 'media',
        title: m.value.title,
        byline: null,
        siteName: null,
        publishedTime: null,
        language: null,
        text: '',
        segments: null,
        media: { durationSec: m.value.durationSec, captions: 'none', audioPath: m.value.audioPath },
        notes: [NO_TRANSCRIPT_NOTE],
      },
    });
  }

  /** What every guarded fetch of this acquirer shares: the guard, the size and redirect caps, the timeouts. */
  #fetchOptions(signal: AbortSignal) {
    return {
      guard: this.#guard,
      clock: this.#o.clock,
      logger: this.#o.logger,
      maxBytes: this.#o.maxBytes,
      maxRedirects: this.#o.maxRedirects ?? 5,
      timeouts: this.#timeouts,
      signal,
    };
  }

  #directOptions(signal: AbortSignal, wf: string | undefined): DirectMediaOptions {
    return {
      ffmpegPath: this.#o.ffmpegPath,
      workDir: acquisitionDir(this.#o.workDir, wf),
      guard: this.#guard,
      logger: this.#o.logger,
      clock: this.#o.clock,
      signal,
      timeoutMs: this.#o.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS,
      maxMediaBytes: this.#o.maxMediaBytes ?? DEFAULT_MAX_MEDIA_BYTES,
      maxDurationSec: this.#o.maxMediaSeconds ?? DEFAULT_MAX_MEDIA_SECONDS,
      needsAudio: this.#o.needsAudio ?? false,
    };
  }

  async #media(
    url: URL,
    signal: AbortSignal,
    progress: (f: number, m: string) => void,
    wf: string | undefined,
  ): Promise<Result<{ finalUrl: string; fields: ContentFields }, AppError>> {
    // yt-dlp takes what a direct download takes, plus its own binary, the cookies and progress.
    const media = new MediaAcquirer({
      ...this.#directOptions(signal, wf),
      ytDlpPath: this.#o.ytDlpPath,
      cookiesPath: this.#o.ytDlpCookies ?? null,
      progress,
    });
    const r = await media.acquire(url);
    if (!r.ok) return r;
    return ok({ finalUrl: r.value.finalUrl, fields: mediaFields(r.value) });
  }

  async #fromFile(
    path: string,
    signal: AbortSignal,
    progress: (f: number, m: string) => void,
    wf: string | undefined,
  ): Promise<Result<{ finalUrl: string; fields: ContentFields }, AppError>> {
    const finalUrl = pathToFileURL(path).href;
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (e: unknown) {
      return err(permanent('acquire.file_not_found', 'Cannot stat the file', { cause: toAppError(e) }));
    }
    if (!info.isFile()) return err(permanent('acquire.unsupported_content', 'Not a regular file'));
    const ext = extname(path).toLowerCase();
    if (MEDIA_EXTENSIONS.has(ext)) {
      progress(0.2, 'Reading local media');
      const fields = await this.#localMedia(path, signal);
      const limit = this.#o.maxMediaSeconds ?? DEFAULT_MAX_MEDIA_SECONDS;
      const duration = fields.media?.durationSec ?? null;
      // Only a recording that would be transcribed is bound by the duration limit; subtitles cost nothing.
      if (
        fields.media?.audioPath != null &&
        this.#o.needsAudio === true &&
        duration !== null &&
        duration > limit
      )
        return err(tooLong(duration, limit));
      return ok({ finalUrl, fields });
    }
    if (info.size > this.#o.maxBytes)
      return err(
        permanent('acquire.too_large', `File is ${info.size} bytes`, { context: { size: info.size } }),
      );
    progress(0.2, 'Reading file');
    const bytes = await readFile(path, { signal });
    const fileKind = kindOf(null, path);
    if (fileKind === 'pdf' || (fileKind === 'sniff' && isPdfBytes(bytes))) {
      progress(0.5, 'Reading the PDF');
      const doc = await this.#pdf(bytes, signal);
      return doc.ok ? ok({ finalUrl, fields: doc.value }) : doc;
    }
    if (isFeedBody(fileKind, bytes)) {
      progress(0.3, 'Reading the podcast feed');
      return this.#podcast(bytes, null, new URL(finalUrl), this.#o.episode ?? null, signal, progress, wf);
    }
    progress(0.5, 'Extracting text');
    const r = await this.#fromBytes(bytes, kindOf(null, path), null, path, null, signal);
    if (!r.ok) return r;
    if (r.value.fields.text.trim() === '') return err(permanent('acquire.empty', 'No readable text'));
    return ok({ finalUrl, fields: r.value.fields });
  }

  async #localMedia(path: string, signal: AbortSignal): Promise<ContentFields> {
    const durationSec = await probeDuration(this.#o.ffmpegPath, path, { clock: this.#o.clock, signal });
    const sidecar = await findSidecarSubtitles(path);
    if (sidecar !== null) {
      const subs = parseSubtitles(decodeBody(await readFile(sidecar)).text);
      if (subs.text !== '')
        return {
          kind: 'media',
          title: null,
          byline: null,
          siteName: null,
          publishedTime: null,
          language: detectLanguage(subs.text),
          text: subs.text,
          segments: subs.segments,
          media: { durationSec, captions: 'manual', audioPath: null },
          notes: [],
        };
    }
    return {
      kind: 'media',
      title: null,
      byline: null,
      siteName: null,
      publishedTime: null,
      language: null,
      text: '',
      segments: null,
      media: { durationSec, captions: 'none', audioPath: path },
      notes: [NO_TRANSCRIPT_NOTE],
    };
  }
}

function mediaFields(m: MediaContent): ContentFields {
  return {
    kind: 'media',
    title: m.title,
    byline: m.byline,
    siteName: m.siteName,
    publishedTime: m.publishedTime,
    language: m.language,
    text: m.text,
    segments: m.segments,
    media: m.media,
    notes: m.notes,
  };
}
