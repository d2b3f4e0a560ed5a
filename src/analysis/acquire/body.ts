// Decoded bytes → content fields, by kind, within the content budgets: a pure function the content pool runs off-loop.
import { toAppError, type AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { decodeBody, looksBinary } from './charset.js';
import { DefaultBodyLimits, textTooLarge, tooComplex, type BodyLimits } from './budget.js';
import { permanent } from './errors.js';
import { extractArticle } from './html.js';
import { detectLanguage } from './language.js';
import { looksLikeSubtitles, parseSubtitles } from './subtitles.js';
import { markdownToText, normalizePlainText } from './text.js';
import type { AcquiredContent } from './types.js';

export type BodyKind =
  'html' | 'markdown' | 'text' | 'subtitles' | 'media' | 'pdf' | 'feed' | 'sniff' | 'unsupported';

export type ContentFields = Omit<AcquiredContent, 'source' | 'finalUrl' | 'contentHash' | 'fetchedAt'>;

export interface BodyFields {
  readonly fields: ContentFields;
  /** Media elements an HTML page embeds; null for other kinds. */
  readonly embeddedMedia: { readonly elements: number; readonly textTracks: number } | null;
}

export interface BodyInput {
  readonly bytes: Uint8Array;
  readonly kind: BodyKind;
  readonly contentType: string | null;
  readonly name: string;
  readonly headerLanguage: string | null;
  readonly limits: BodyLimits;
}

/**
 * A linear pre-scan of the markup before any parser sees it: counts start tags, and tracks the nesting of the
 * elements whose end tag is mandatory (so unclosed `<p>`/`<li>` in old pages cannot inflate it). That estimate
 * is a lower bound of the DOM depth, so a page refused here would also be refused after parsing — only sooner:
 * the parser itself slows down badly on deep nesting (100,000 levels: 8 s).
 */
export function prescanMarkup(html: string): { elements: number; depth: number } {
  const re = /<(\/?)([a-z][a-z0-9-]*)|<!--/gi;
  let elements = 0;
  let depth = 0;
  let maxDepth = 0;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    const name = m[2]?.toLowerCase();
    if (name === undefined) {
      // A comment: skip to its end (its contents are not markup).
      const close = html.indexOf('-->', re.lastIndex);
      re.lastIndex = close < 0 ? html.length : close + 3;
      continue;
    }
    const closing = m[1] === '/';
    if (closing) {
      if (MANDATORY_END.has(name)) depth = Math.max(0, depth - 1);
      continue;
    }
    elements++;
    if (RAW_TEXT.has(name)) {
      // `a<b` inside a script is not an element: jump to the end tag.
      const close = indexOfEndTag(html, name, re.lastIndex);
      re.lastIndex = close < 0 ? html.length : close;
      continue;
    }
    if (MANDATORY_END.has(name) && ++depth > maxDepth) maxDepth = depth;
  }
  return { elements, depth: maxDepth };
}

const MANDATORY_END = new Set([
  'div', 'span', 'section', 'article', 'main', 'aside', 'nav', 'header', 'footer', 'blockquote', 'ul', 'ol',
  'form', 'a', 'b', 'i', 'em', 'strong', 'font', 'center', 'figure', 'small', 'sup', 'sub', 'u', 's',
]); // prettier-ignore
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp']);

/** Index of `</name` from `from`, case-insensitively, without lower-casing the whole document. */
function indexOfEndTag(html: string, name: string, from: number): number {
  const re = new RegExp(`</${name}\\b`, 'gi');
  re.lastIndex = from;
  return re.exec(html)?.index ?? -1;
}

/** Decoded bytes → content fields. Expected refusals are values; nothing here throws. */
export function bodyToFields(input: BodyInput): Result<BodyFields, AppError> {
  try {
    return bodyToFieldsUnsafe(input);
  } catch (e: unknown) {
    const error = toAppError(e, 'acquire.extract_failed');
    // A stack overflow or similar inside a parser is about this input, not a passing condition.
    return err(
      error.retryable
        ? permanent('acquire.unsupported_content', `extraction failed: ${error.message}`, { cause: error })
        : error,
    );
  }
}

function bodyToFieldsUnsafe(input: BodyInput): Result<BodyFields, AppError> {
  const { bytes, kind, contentType, headerLanguage, limits } = input;
  // PDFs and feeds have their own readers, before this; an XML body that is not a feed is markup, not text.
  if (kind === 'unsupported' || kind === 'media' || kind === 'feed' || kind === 'pdf')
    return err(permanent('acquire.unsupported_content', `Refused content type ${contentType ?? 'none'}`));
  if (bytes.length === 0) return err(permanent('acquire.empty', 'Empty body'));
  if (looksBinary(bytes))
    return err(permanent('acquire.unsupported_content', 'Body is binary', { context: { contentType } }));
  const decoded = decodeBody(bytes, { contentType, html: kind === 'html' || kind === 'sniff' });
  let visible = 0;
  for (let i = 0; i < decoded.text.length; i++) if (decoded.text.charCodeAt(i) > 32) visible++;
  if (decoded.replacements >= 16 && decoded.replacements > visible * 0.1)
    return err(
      permanent('acquire.undecodable', `${decoded.replacements} invalid ${decoded.encoding} sequences`, {
        context: { encoding: decoded.encoding },
      }),
    );
  let k = kind;
  if (k === 'sniff') {
    const head = decoded.text.slice(0, 1024).trimStart().toLowerCase();
    k = /^<(!doctype html|html|head|body|!--)/.test(head) ? 'html' : 'text';
  }
  if (k === 'text' && looksLikeSubtitles(decoded.text)) k = 'subtitles';
  // Markup and subtitle syntax only shrink text, so the raw length bounds every non-HTML kind up front.
  if (k !== 'html' && decoded.text.length > limits.maxTextChars)
    return err(textTooLarge(decoded.text, limits));

  const empty = {
    title: null,
    byline: null,
    siteName: null,
    publishedTime: null,
    segments: null,
    media: null,
    notes: [],
  };
  switch (k) {
    case 'html': {
      const scan = prescanMarkup(decoded.text);
      const complex = tooComplex(scan, limits);
      if (complex !== null) return err(complex);
      const a = extractArticle(decoded.text, {
        headerLanguage,
        domLimits: { maxDepth: limits.maxDomDepth, maxElements: limits.maxDomElements },
      });
      if (a.text.length > limits.maxTextChars) return err(textTooLarge(a.text, limits));
      return ok({
        fields: {
          ...empty,
          kind: 'article',
          title: a.title,
          byline: a.byline,
          siteName: a.siteName,
          publishedTime: a.publishedTime,
          language: a.language,
          text: a.text,
          furniture: a.furniture,
          ...(a.claimReviews.length > 0 ? { claimReviews: a.claimReviews } : {}),
        },
        embeddedMedia: a.media,
      });
    }
    case 'markdown': {
      const md = markdownToText(decoded.text);
      if (md.text === '') return err(permanent('acquire.empty', 'Markdown without text'));
      return ok({
        fields: { ...empty, kind: 'text', title: md.title, language: detectLanguage(md.text), text: md.text },
        embeddedMedia: null,
      });
    }
    case 'subtitles': {
      const subs = parseSubtitles(decoded.text);
      if (subs.text === '') return err(permanent('acquire.empty', 'Subtitles without cues'));
      return ok({
        fields: {
          ...empty,
          kind: 'subtitles',
          language: detectLanguage(subs.text),
          text: subs.text,
          segments: subs.segments,
        },
        embeddedMedia: null,
      });
    }
    default: {
      const text = normalizePlainText(decoded.text);
      if (text === '') return err(permanent('acquire.empty', 'Text without content'));
      return ok({
        fields: { ...empty, kind: 'text', language: detectLanguage(text), text },
        embeddedMedia: null,
      });
    }
  }
}

export { DefaultBodyLimits, type BodyLimits };
