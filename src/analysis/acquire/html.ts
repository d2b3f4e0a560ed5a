// HTML → article: Readability over linkedom for the main text and metadata, with markup fallbacks.
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { claimReviewsFromDocument, type PageClaimReview } from '../factcheck/claimreview.js';
import { tooComplex } from './budget.js';
import {
  FURNITURE_KINDS,
  findTextFurniture,
  furnitureOfElement,
  mergeFurniture,
  type FurnitureKind,
  type FurnitureRange,
} from './furniture.js';
import { detectLanguage, toIso6391 } from './language.js';

export interface ExtractedArticle {
  readonly title: string | null;
  readonly byline: string | null;
  readonly siteName: string | null;
  readonly publishedTime: string | null;
  readonly language: string | null;
  /** Where the language came from, so callers and tests can tell markup from detection. */
  readonly languageSource: 'html-lang' | 'meta' | 'og-locale' | 'header' | 'detected' | null;
  readonly text: string;
  /** Whether Readability found an article or we fell back to the page body. */
  readonly extractor: 'readability' | 'body';
  /**
   * Page furniture in `text` (captions, credits, promos, ads, share widgets, related links, bylines, datelines),
   * sorted and non-overlapping: kept in the text, left out of the report's ranked sections.
   */
  readonly furniture: readonly FurnitureRange[];
  /** Media elements the page embeds (`<video>`/`<audio>` with a source), and whether any has a text track. */
  readonly media: { readonly elements: number; readonly textTracks: number };
  /** schema.org ClaimReviews the page itself publishes (JSON-LD, microdata). */
  readonly claimReviews: readonly PageClaimReview[];
}

// Node-like views over linkedom's DOM, typed narrowly so nothing here depends on lib.dom.
interface DomNode {
  readonly nodeType: number;
  readonly nodeName: string;
  readonly textContent: string | null;
  readonly childNodes: ArrayLike<DomNode>;
}
interface DomElement extends DomNode {
  readonly parentElement: DomElement | null;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  closest(selector: string): DomElement | null;
  prepend(node: DomNode): void;
  append(node: DomNode): void;
  readonly tagName: string;
  readonly children: ArrayLike<DomElement>;
  hasAttribute(name: string): boolean;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  remove(): void;
}
interface DomDocument {
  readonly documentElement: DomElement | null;
  readonly body: DomElement | null;
  readonly title: string;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): ArrayLike<DomElement>;
  createTextNode(text: string): DomNode;
}

const SKIP = new Set([
  'SCRIPT',
  'STYLE',
  'NOSCRIPT',
  'TEMPLATE',
  'SVG',
  'IFRAME',
  'OBJECT',
  'CANVAS',
  'HEAD',
]);
const PARAGRAPH = new Set([
  'P', 'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'HEADER', 'FOOTER', 'ASIDE', 'NAV', 'BLOCKQUOTE', 'FIGURE',
  'FIGCAPTION', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'UL', 'OL', 'DL', 'TABLE', 'PRE', 'HR', 'ADDRESS',
  'DETAILS', 'SUMMARY', 'FORM', 'FIELDSET',
]); // prettier-ignore
const LINE = new Set(['LI', 'DT', 'DD', 'TR', 'BR', 'CAPTION']);
const CELL = new Set(['TD', 'TH']);

/**
 * Furniture is recognised on the page as served, where its classes still are (Readability rewrites many elements
 * and drops their attributes): each furniture element gets private-use sentinels around its text, which survive
 * Readability as text and become ranges when the text is written.
 */
const MARK_OPEN = '\ue002';
const MARK_CLOSE = '\ue003';
const MARK_KIND_BASE = 0xe100;
const MARK_ATTR = 'data-autointel-furniture';
const SENTINELS = /[\ue002\ue003\ue100-\ue1ff]/g;

function markFurniture(doc: DomDocument): void {
  const all = doc.querySelectorAll('body *');
  for (let i = 0; i < all.length; i++) {
    const el = all[i];
    if (el === undefined || SKIP.has(el.nodeName.toUpperCase())) continue;
    const kind = furnitureOfElement(el.nodeName, (a) => el.getAttribute(a));
    if (kind === null || el.parentElement?.closest(`[${MARK_ATTR}]`)) continue;
    el.setAttribute(MARK_ATTR, kind);
    const code = String.fromCharCode(MARK_KIND_BASE + FURNITURE_KINDS.indexOf(kind));
    el.prepend(doc.createTextNode(MARK_OPEN + code));
    el.append(doc.createTextNode(MARK_CLOSE));
  }
}

/**
 * Serialises a DOM subtree as readable text: paragraphs separated by a blank line, list items by newlines, and
 * the ranges of page furniture that the markup marks (captions, credits, promos, …) with their kinds.
 *
 * Whitespace is collapsed as it is written, so offsets recorded on the way are offsets into the final text.
 * Adjacent inline elements are separated by a space where the page relies on layout to separate them: at an
 * element boundary, a letter, digit or sentence punctuation followed by a capital ("Credit" + "Chang W. Lee").
 */
export function domToTextWithFurniture(root: DomNode): { text: string; furniture: FurnitureRange[] } {
  let out = '';
  let space = false;
  /** 0: none, 1: line break, 2: paragraph break pending before the next character. */
  let brk = 0;
  let boundary = false;
  const furniture: FurnitureRange[] = [];
  /** Open furniture regions, by markup and by sentinels: where each began (-1 until its first character). */
  const open: { kind: FurnitureKind; start: number }[] = [];
  const marked: { kind: FurnitureKind; start: number; outer: boolean }[] = [];
  const write = (chunk: string): void => {
    if (out.length > 0) {
      if (brk === 2) out += '\n\n';
      else if (brk === 1) out += '\n';
      else if (space) out += ' ';
      else if (boundary && /^\p{Lu}/u.test(chunk) && /[\p{L}\p{N}.,;:!?)\]”’]$/u.test(out)) out += ' ';
    }
    brk = 0;
    space = false;
    boundary = false;
    for (const r of open) if (r.start < 0) r.start = out.length;
    for (const r of marked) if (r.start < 0) r.start = out.length;
    out += chunk;
  };
  const walk = (node: DomNode, inPre: boolean): void => {
    if (node.nodeType === 3) {
      const pieces = (node.textContent ?? '').matchAll(
        /(\s+)|\ue002([\ue100-\ue1ff]?)|(\ue003)|[^\s\ue002\ue003\ue100-\ue1ff]+|[\ue100-\ue1ff]/g,
      );
      for (const m of pieces) {
        if (m[1] !== undefined) {
          if (inPre && m[1].includes('\n')) brk = Math.max(brk, 1);
          else space = true;
        } else if (m[2] !== undefined) {
          const kind = FURNITURE_KINDS[(m[2].charCodeAt(0) || 0) - MARK_KIND_BASE];
          marked.push({
            kind: kind ?? 'related',
            start: -1,
            outer: marked.length === 0 && open.length === 0,
          });
        } else if (m[3] !== undefined) {
          const r = marked.pop();
          if (r?.outer === true && r.start >= 0 && out.length > r.start)
            furniture.push({ start: r.start, end: out.length, kind: r.kind });
        } else if (!/^[\ue100-\ue1ff]$/.test(m[0])) write(m[0]);
      }
      return;
    }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) return;
    const name = node.nodeName.toUpperCase();
    if (SKIP.has(name)) return;
    if (name === 'BR') {
      brk = Math.max(brk, 1);
      return;
    }
    const level = PARAGRAPH.has(name) ? 2 : LINE.has(name) ? 1 : 0;
    const separate = (): void => {
      if (level > 0) brk = Math.max(brk, level);
      else if (CELL.has(name)) space = true;
      else boundary = true;
    };
    separate();
    const el = node as Partial<DomElement>;
    const kind =
      node.nodeType === 1 && typeof el.getAttribute === 'function'
        ? furnitureOfElement(name, (a) => el.getAttribute!(a))
        : null;
    // Nested furniture (a credit inside a caption) stays inside its outer range.
    const region = kind !== null && open.length === 0 && marked.length === 0 ? { kind, start: -1 } : null;
    if (region !== null) open.push(region);
    const children = node.childNodes;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (child !== undefined) walk(child, inPre || name === 'PRE');
    }
    if (region !== null) {
      open.pop();
      if (region.start >= 0 && out.length > region.start)
        furniture.push({ start: region.start, end: out.length, kind: region.kind });
    }
    separate();
  };
  walk(root, false);
  return { text: out, furniture };
}

/** Serialises a DOM subtree as readable text: paragraphs separated by a blank line, list items by newlines. */
export function domToText(root: DomNode): string {
  return domToTextWithFurniture(root).text;
}

/** How much DOM Readability may be given: its cost grows much faster than linearly with nesting. */
export interface DomLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
}

/**
 * Measures the parsed DOM without recursion (a 10,000-level page must not overflow the stack here) and throws
 * 'acquire.too_complex' past the limits, before Readability or domToText walk it recursively.
 */
function assertDomWithin(document: DomDocument, limits: DomLimits): void {
  const root = document.documentElement as unknown as ElementWalk | null;
  if (root === null) return;
  const stack: [ElementWalk, number][] = [[root, 1]];
  let elements = 0;
  let depth = 0;
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [el, d] = top;
    elements++;
    if (d > depth) depth = d;
    const over = tooComplex(
      { elements, depth },
      { maxDomDepth: limits.maxDepth, maxDomElements: limits.maxElements },
    );
    if (over !== null) throw over;
    for (let c = el.firstElementChild; c !== null; c = c.nextElementSibling) stack.push([c, d + 1]);
  }
}
interface ElementWalk {
  readonly firstElementChild: ElementWalk | null;
  readonly nextElementSibling: ElementWalk | null;
}

const metaContent = (doc: DomDocument, selector: string): string | null => {
  const v = doc.querySelector(selector)?.getAttribute('content')?.trim();
  return v === undefined || v === '' ? null : v;
};

interface MarkupMetadata {
  readonly htmlLang: string | null;
  readonly metaLang: string | null;
  readonly ogLocale: string | null;
  readonly title: string | null;
  readonly media: ExtractedArticle['media'];
}

function readMarkup(doc: DomDocument): MarkupMetadata {
  let elements = 0;
  let textTracks = 0;
  const media = doc.querySelectorAll('video, audio');
  for (let i = 0; i < media.length; i++) {
    const el = media[i];
    if (el === undefined) continue;
    if ((el.getAttribute('src') ?? '') !== '' || el.querySelector('source[src]') !== null) elements++;
    const tracks = el.querySelectorAll('track[src]');
    for (let j = 0; j < tracks.length; j++) {
      const kind = (tracks[j]?.getAttribute('kind') ?? 'subtitles').toLowerCase();
      if (kind === 'subtitles' || kind === 'captions') textTracks++;
    }
  }
  const title = doc.title.trim();
  return {
    htmlLang: doc.documentElement?.getAttribute('lang')?.trim() || null,
    metaLang: metaContent(doc, 'meta[http-equiv="content-language" i]'),
    ogLocale: metaContent(doc, 'meta[property="og:locale"]'),
    title: title === '' ? null : title,
    media: { elements, textTracks },
  };
}

function pickLanguage(
  markup: MarkupMetadata,
  readabilityLang: string | null,
  headerLang: string | null,
  text: string,
): Pick<ExtractedArticle, 'language' | 'languageSource'> {
  const candidates: [string | null, NonNullable<ExtractedArticle['languageSource']>][] = [
    [readabilityLang ?? markup.htmlLang, 'html-lang'],
    [markup.metaLang, 'meta'],
    [markup.ogLocale, 'og-locale'],
    [headerLang, 'header'],
  ];
  for (const [tag, source] of candidates) {
    const code = toIso6391(tag);
    if (code !== null) return { language: code, languageSource: source };
  }
  const detected = detectLanguage(text);
  return { language: detected, languageSource: detected === null ? null : 'detected' };
}

const clean = (v: string | null | undefined): string | null => {
  const t = v?.replace(SENTINELS, '').replace(/\s+/g, ' ').trim();
  return t === undefined || t === '' ? null : t;
};

/** Extracts the article from an HTML document; `text` is empty when the page has no readable text. */
export function extractArticle(
  html: string,
  options: { headerLanguage?: string | null; domLimits?: DomLimits } = {},
): ExtractedArticle {
  const { document } = parseHTML(html) as unknown as { document: DomDocument };
  if (options.domLimits !== undefined) assertDomWithin(document, options.domLimits);
  const markup = readMarkup(document);
  const claimReviews = claimReviewsFromDocument(document);
  // After the structured data is read: the furniture sentinels go into the page's text nodes.
  markFurniture(document);
  // Readability mutates the document, so the markup is read first and the fallback reparses.
  let parsed: ReturnType<Readability['parse']>;
  try {
    // Classes are kept: they are how captions, credits and promos are recognised in the article's markup.
    parsed = new Readability(document as never, { charThreshold: 200, keepClasses: true }).parse();
  } catch {
    parsed = null;
  }
  let text = '';
  let marked: FurnitureRange[] = [];
  let extractor: ExtractedArticle['extractor'] = 'readability';
  if (parsed?.content) {
    const { document: contentDoc } = parseHTML(
      `<!doctype html><html><body>${parsed.content}</body></html>`,
    ) as unknown as { document: DomDocument };
    if (contentDoc.body !== null) ({ text, furniture: marked } = domToTextWithFurniture(contentDoc.body));
  }
  if (text === '') {
    extractor = 'body';
    const { document: fresh } = parseHTML(html) as unknown as { document: DomDocument };
    markFurniture(fresh);
    if (fresh.body !== null) ({ text, furniture: marked } = domToTextWithFurniture(fresh.body));
  }
  const title = clean(parsed?.title) ?? markup.title;
  return {
    title,
    byline: clean(parsed?.byline),
    siteName: clean(parsed?.siteName),
    publishedTime: clean(parsed?.publishedTime),
    ...pickLanguage(markup, clean(parsed?.lang), options.headerLanguage ?? null, text),
    text,
    // Markup first; text patterns then catch furniture the markup does not mark ("Advertisement", promos).
    furniture: mergeFurniture(marked, findTextFurniture(text)),
    extractor,
    media: markup.media,
    claimReviews,
  };
}
