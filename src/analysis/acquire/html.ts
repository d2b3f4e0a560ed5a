// HTML → article: Readability over linkedom for the main text and metadata, with markup fallbacks.
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { claimReviewsFromDocument, type PageClaimReview } from '../factcheck/claimreview.js';
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
  readonly tagName: string;
  readonly children: ArrayLike<DomElement>;
  getAttribute(name: string): string | null;
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

// Private-use sentinels survive whitespace collapsing; they become "\n\n" and "\n" at the end.
const PARA = '\ue000';
const BREAK = '\ue001';

/** Serialises a DOM subtree as readable text: paragraphs separated by a blank line, list items by newlines. */
export function domToText(root: DomNode): string {
  const parts: string[] = [];
  const walk = (node: DomNode, inPre: boolean): void => {
    if (node.nodeType === 3) {
      const t = (node.textContent ?? '').replace(/[\ue000\ue001]/g, '');
      parts.push(inPre ? t.replace(/\r\n?/g, '\n').replace(/\n/g, BREAK) : t);
      return;
    }
    if (node.nodeType !== 1 && node.nodeType !== 9 && node.nodeType !== 11) return;
    const name = node.nodeName.toUpperCase();
    if (SKIP.has(name)) return;
    if (name === 'BR') {
      parts.push(BREAK);
      return;
    }
    const sep = PARAGRAPH.has(name) ? PARA : LINE.has(name) ? BREAK : CELL.has(name) ? ' ' : '';
    parts.push(sep);
    const children = node.childNodes;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (child !== undefined) walk(child, inPre || name === 'PRE');
    }
    parts.push(sep);
  };
  walk(root, false);
  return parts
    .join('')
    .replace(/\s+/g, ' ')
    .replace(/ ?([\ue000\ue001] ?)+/g, (run) => (run.includes(PARA) ? '\n\n' : '\n'))
    .replace(/^[ \n]+|[ \n]+$/g, '');
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
  const t = v?.replace(/\s+/g, ' ').trim();
  return t === undefined || t === '' ? null : t;
};

/** Extracts the article from an HTML document; `text` is empty when the page has no readable text. */
export function extractArticle(
  html: string,
  options: { headerLanguage?: string | null } = {},
): ExtractedArticle {
  const { document } = parseHTML(html) as unknown as { document: DomDocument };
  const markup = readMarkup(document);
  const claimReviews = claimReviewsFromDocument(document);
  // Readability mutates the document, so the markup is read first and the fallback reparses.
  let parsed: ReturnType<Readability['parse']>;
  try {
    parsed = new Readability(document as never, { charThreshold: 200 }).parse();
  } catch {
    parsed = null;
  }
  let text = '';
  let extractor: ExtractedArticle['extractor'] = 'readability';
  if (parsed?.content) {
    const { document: contentDoc } = parseHTML(
      `<!doctype html><html><body>${parsed.content}</body></html>`,
    ) as unknown as { document: DomDocument };
    if (contentDoc.body !== null) text = domToText(contentDoc.body);
  }
  if (text === '') {
    extractor = 'body';
    const { document: fresh } = parseHTML(html) as unknown as { document: DomDocument };
    if (fresh.body !== null) text = domToText(fresh.body);
  }
  const title = clean(parsed?.title) ?? markup.title;
  return {
    title,
    byline: clean(parsed?.byline),
    siteName: clean(parsed?.siteName),
    publishedTime: clean(parsed?.publishedTime),
    ...pickLanguage(markup, clean(parsed?.lang), options.headerLanguage ?? null, text),
    text,
    extractor,
    media: markup.media,
    claimReviews,
  };
}
