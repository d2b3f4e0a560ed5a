// Podcast feeds (RSS 2.0 / Atom): episodes, which one the user asked for, and its published transcript if any.
import { DOMParser } from 'linkedom';
import type { AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { permanent } from './errors.js';
import { cuesToText, parseSubtitles, type Cue, type SubtitleText } from './subtitles.js';
import { normalizePlainText } from './text.js';

export interface FeedTranscript {
  readonly url: URL;
  readonly type: string;
  readonly language: string | null;
}

export interface FeedEpisode {
  readonly title: string | null;
  /** `<itunes:episode>` or `<podcast:episode>`, when the feed numbers its episodes. */
  readonly number: number | null;
  readonly publishedMs: number | null;
  readonly published: string | null;
  readonly link: string | null;
  readonly description: string | null;
  readonly durationSec: number | null;
  readonly enclosure: { readonly url: URL; readonly type: string | null } | null;
  readonly transcripts: readonly FeedTranscript[];
}

export interface Feed {
  readonly title: string | null;
  readonly author: string | null;
  readonly language: string | null;
  /** Newest first. */
  readonly episodes: readonly FeedEpisode[];
}

type El = {
  readonly tagName: string;
  readonly children: ArrayLike<El>;
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
};

export const FEED_TYPES = /^(application\/(rss|atom|x-rss|rdf)\+xml|application\/xml|text\/xml)\b/i;

/** Whether a body's root element is an RSS or Atom feed (after an XML declaration, comments or a doctype). */
export function looksLikeFeed(text: string): boolean {
  const head = text
    .replace(/^\ufeff/, '')
    .slice(0, 4096)
    .replace(/<\?[^>]*\?>|<!--[^]*?-->|<!DOCTYPE[^>]*>/gi, '')
    .trimStart();
  return /^<(rss|feed|rdf:RDF)[\s>]/i.test(head);
}

const name = (e: El): string => e.tagName.toLowerCase();
const kids = (e: El): El[] => Array.from(e.children);
const child = (e: El, ...names: string[]): El | undefined => kids(e).find((c) => names.includes(name(c)));
const textOf = (e: El | undefined): string | null => {
  const t = e?.textContent?.trim();
  return t === undefined || t === '' ? null : t;
};

function resolveUrl(raw: string | null, base: URL): URL | null {
  if (raw === null || raw.trim() === '') return null;
  try {
    const u = new URL(raw.trim(), base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/** `<itunes:duration>`: seconds, `MM:SS` or `HH:MM:SS`. */
export function parseDuration(raw: string | null): number | null {
  if (raw === null) return null;
  const parts = raw.trim().split(':');
  if (parts.length > 3 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) return null;
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

/** Description markup (HTML in CDATA, as most feeds have it) → plain text. */
export function htmlToPlainText(html: string): string {
  const withBreaks = html
    .replace(/<(script|style)\b[^]*?<\/\1\s*>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(p|div|li|h[1-6]|tr|blockquote)\s*>/gi, '\n');
  const doc = new DOMParser().parseFromString(
    `<!doctype html><html><body>${withBreaks}</body></html>`,
    'text/html',
  );
  return normalizePlainText(doc.body.textContent ?? '');
}

function parseDate(raw: string | null): number | null {
  if (raw === null) return null;
  const ms = Date.parse(raw);
  return Number.isFinite(ms) ? ms : null;
}

function episodeOf(item: El, atom: boolean, base: URL): FeedEpisode {
  const number = Number(textOf(child(item, 'itunes:episode', 'podcast:episode')) ?? NaN);
  const date = textOf(child(item, 'pubdate', 'published', 'updated', 'dc:date'));
  const publishedMs = parseDate(date);
  let enclosure: FeedEpisode['enclosure'] = null;
  let link: string | null = null;
  if (atom) {
    for (const l of kids(item).filter((c) => name(c) === 'link')) {
      const rel = l.getAttribute('rel') ?? 'alternate';
      const href = resolveUrl(l.getAttribute('href'), base);
      if (href === null) continue;
      if (rel === 'enclosure' && enclosure === null) enclosure = { url: href, type: l.getAttribute('type') };
      if (rel === 'alternate' && link === null) link = href.href;
    }
  } else {
    const enc = child(item, 'enclosure');
    const url = resolveUrl(enc?.getAttribute('url') ?? null, base);
    if (url !== null) enclosure = { url, type: enc?.getAttribute('type') ?? null };
    link = textOf(child(item, 'link'));
  }
  if (enclosure === null) {
    const media = child(item, 'media:content');
    const url = resolveUrl(media?.getAttribute('url') ?? null, base);
    if (url !== null) enclosure = { url, type: media?.getAttribute('type') ?? null };
  }
  const transcripts: FeedTranscript[] = [];
  for (const t of kids(item).filter((c) => name(c) === 'podcast:transcript')) {
    const url = resolveUrl(t.getAttribute('url'), base);
    if (url === null) continue;
    transcripts.push({
      url,
      type: (t.getAttribute('type') ?? '').toLowerCase(),
      language: t.getAttribute('language'),
    });
  }
  const rawDescription = textOf(
    child(item, 'content:encoded', 'description', 'summary', 'content', 'itunes:summary'),
  );
  const description = rawDescription === null ? null : htmlToPlainText(rawDescription) || null;
  return {
    title: textOf(child(item, 'title')),
    number: Number.isInteger(number) && number > 0 ? number : null,
    publishedMs,
    published: publishedMs === null ? null : new Date(publishedMs).toISOString(),
    link,
    description,
    durationSec: parseDuration(textOf(child(item, 'itunes:duration'))),
    enclosure,
    transcripts,
  };
}

/** RSS 2.0, RSS 1.0 (RDF) or Atom → episodes, newest first (feeds are not always in order). */
export function parseFeed(xml: string, base: URL): Result<Feed, AppError> {
  if (!looksLikeFeed(xml)) return err(permanent('acquire.feed_invalid', 'Not an RSS or Atom document'));
  // linkedom's XML mode never expands external entities or DTDs: a hostile feed cannot read files or explode.
  const doc = new DOMParser().parseFromString(xml, 'text/xml') as unknown as { documentElement: El | null };
  const root = doc.documentElement;
  if (root === null) return err(permanent('acquire.feed_invalid', 'Empty XML document'));
  const atom = name(root) === 'feed';
  const channel = atom ? root : (child(root, 'channel') ?? root);
  const itemsParent = name(root) === 'rdf:rdf' ? root : channel;
  const items = kids(itemsParent).filter((c) => name(c) === (atom ? 'entry' : 'item'));
  const episodes = items.map((item) => episodeOf(item, atom, base));
  // Stable: episodes without a date keep their place relative to each other, after dated ones.
  const ordered = episodes
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (b.e.publishedMs ?? -Infinity) - (a.e.publishedMs ?? -Infinity) || a.i - b.i)
    .map((x) => x.e);
  const author = atom
    ? textOf(child(child(channel, 'author') ?? channel, 'name'))
    : textOf(child(channel, 'itunes:author', 'managingeditor', 'dc:creator'));
  return ok({
    title: textOf(child(channel, 'title')),
    author,
    language: textOf(child(channel, 'language')) ?? root.getAttribute('xml:lang'),
    episodes: ordered,
  });
}

/**
 * The episode the user asked for: none → the newest; digits → that `<itunes:episode>` number (or, in a feed that
 * numbers nothing, the n-th oldest); anything else → the newest whose title matches exactly, else contains it.
 */
export function pickEpisode(feed: Feed, wanted: string | null): Result<FeedEpisode, AppError> {
  const eps = feed.episodes;
  if (eps.length === 0) return err(permanent('acquire.feed_invalid', 'Feed without episodes'));
  const w = wanted?.trim() ?? '';
  if (w === '') return ok(eps[0]!);
  const notFound = (): Result<FeedEpisode, AppError> =>
    err(
      permanent('acquire.episode_not_found', `No episode matches ${JSON.stringify(w.slice(0, 80))}`, {
        userMessage: `No episode in that feed matches "${w.slice(0, 80)}" (give an episode number or part of its title).`,
      }),
    );
  if (/^#?\d+$/.test(w)) {
    const n = Number(w.replace('#', ''));
    if (eps.some((e) => e.number !== null)) {
      const hit = eps.find((e) => e.number === n);
      return hit === undefined ? notFound() : ok(hit);
    }
    const hit = eps[eps.length - n];
    if (n >= 1 && hit !== undefined) return ok(hit);
    return notFound();
  }
  const fold = (s: string): string => s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  const q = fold(w);
  const hit =
    eps.find((e) => e.title !== null && fold(e.title) === q) ??
    eps.find((e) => e.title !== null && fold(e.title).includes(q));
  return hit === undefined ? notFound() : ok(hit);
}

/** Timed formats first (they give every report item its moment in the episode), then HTML, then plain text. */
const TRANSCRIPT_PREFERENCE: readonly RegExp[] = [
  /^text\/vtt\b/,
  /^(application\/(x-)?(srt|subrip)|text\/(x-)?srt)\b/,
  /^application\/json\b/,
  /^text\/html\b/,
  /^text\/plain\b/,
];

export function pickTranscript(
  transcripts: readonly FeedTranscript[],
  language: string | null,
): FeedTranscript | null {
  const rank = (t: FeedTranscript): number => {
    const i = TRANSCRIPT_PREFERENCE.findIndex((re) => re.test(t.type));
    return i < 0 ? TRANSCRIPT_PREFERENCE.length : i;
  };
  const lang = language?.slice(0, 2).toLowerCase() ?? null;
  const sameLanguage = (t: FeedTranscript): number =>
    lang === null || t.language === null || t.language.slice(0, 2).toLowerCase() === lang ? 0 : 1;
  const usable = transcripts.filter((t) => rank(t) < TRANSCRIPT_PREFERENCE.length || t.type === '');
  return [...usable].sort((a, b) => sameLanguage(a) - sameLanguage(b) || rank(a) - rank(b))[0] ?? null;
}

interface JsonSegment {
  readonly startTime?: unknown;
  readonly endTime?: unknown;
  readonly body?: unknown;
  readonly speaker?: unknown;
}

/** The longest a merged JSON-transcript segment grows before a new one starts (word-level files are common). */
const MERGE_CHARS = 240;

/**
 * Podcasting 2.0 JSON transcript → segments. Word- or phrase-level entries by one speaker merge into sentence-sized
 * segments, so the text reads as prose while each segment keeps the time of its first word.
 */
export function parseJsonTranscript(json: string): SubtitleText | null {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return null;
  }
  const segs = (data as { segments?: unknown } | null)?.segments;
  if (!Array.isArray(segs)) return null;
  const cues: Cue[] = [];
  let cur: { start: number; end: number; speaker: string | null; words: string[]; len: number } | null = null;
  const flush = (): void => {
    if (cur !== null && cur.words.length > 0)
      cues.push({ start: cur.start, end: cur.end, speaker: cur.speaker, lines: [cur.words.join(' ')] });
    cur = null;
  };
  for (const s of segs as JsonSegment[]) {
    const body = typeof s.body === 'string' ? s.body.replace(/\s+/g, ' ').trim() : '';
    const start = Number(s.startTime);
    const end = Number(s.endTime);
    if (body === '' || !Number.isFinite(start) || start < 0) continue;
    const speaker = typeof s.speaker === 'string' && s.speaker.trim() !== '' ? s.speaker.trim() : null;
    if (cur !== null && (speaker !== cur.speaker || cur.len >= MERGE_CHARS)) flush();
    cur ??= { start, end: start, speaker, words: [], len: 0 };
    cur.words.push(body);
    cur.len += body.length + 1;
    cur.end = Math.max(cur.end, Number.isFinite(end) ? end : start);
    if (/[.!?…。！？]["'”’)]?$/.test(body) && cur.len >= 40) flush();
  }
  flush();
  return cuesToText(cues);
}

/** A fetched transcript body → text, with segments when the format is timed. */
export function parseTranscript(
  body: string,
  type: string,
): { text: string; segments: SubtitleText['segments'] | null } {
  const t = type.toLowerCase();
  if (/json/.test(t)) {
    const parsed = parseJsonTranscript(body);
    if (parsed !== null) return parsed;
  }
  if (/vtt|srt|subrip/.test(t) || /^\s*WEBVTT/.test(body)) {
    const parsed = parseSubtitles(body);
    if (parsed.text !== '') return parsed;
  }
  if (/html/.test(t)) return { text: htmlToPlainText(body), segments: null };
  return { text: normalizePlainText(body), segments: null };
}
