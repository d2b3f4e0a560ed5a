// schema.org ClaimReview markup on a page (JSON-LD, and microdata) → the fact-checks the page itself publishes.
import { parseHTML } from 'linkedom';

/** One ClaimReview as the page publishes it: nothing here is inferred, every field is copied or null. */
export interface PageClaimReview {
  /** `claimReviewed`, or the reviewed Claim's own text when only that is given. */
  readonly claimReviewed: string;
  /** The rating in the publisher's words (`alternateName`, else `name`), e.g. "Pants on Fire!". */
  readonly rating: string | null;
  /** The numeric scale when the page gives one; shown as published, never turned into a verdict. */
  readonly ratingValue: string | null;
  readonly bestRating: string | null;
  readonly worstRating: string | null;
  /** The fact-checker: `author`, else `publisher`. */
  readonly publisher: string | null;
  readonly publisherUrl: string | null;
  /** Who made the claim (`itemReviewed.author`). */
  readonly claimant: string | null;
  readonly url: string | null;
  readonly datePublished: string | null;
  readonly format: 'json-ld' | 'microdata';
}

// Narrow views over linkedom's DOM so nothing here depends on lib.dom.
export interface ClaimReviewElement {
  readonly textContent: string | null;
  readonly children: ArrayLike<ClaimReviewElement>;
  readonly tagName: string;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}
export interface ClaimReviewDocument {
  querySelectorAll(selector: string): ArrayLike<ClaimReviewElement>;
}

/** Reviews kept per page: a fact-checker's archive page can embed hundreds; the report shows a few. */
export const MAX_PAGE_REVIEWS = 50;
const MAX_JSON_CHARS = 1_000_000;
const MAX_DEPTH = 16;
const MAX_TEXT = 2000;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/** Parses `html` and returns its ClaimReviews (for callers that do not already hold a parsed document). */
export function extractClaimReviews(html: string): PageClaimReview[] {
  const { document } = parseHTML(html) as unknown as { document: ClaimReviewDocument };
  return claimReviewsFromDocument(document);
}

/** Reads ClaimReviews from a parsed document. Call before anything mutates it (Readability drops scripts). */
export function claimReviewsFromDocument(doc: ClaimReviewDocument): PageClaimReview[] {
  const out: PageClaimReview[] = [];
  const seen = new Set<string>();
  const push = (r: PageClaimReview | null): void => {
    if (r === null || out.length >= MAX_PAGE_REVIEWS) return;
    // Sites often publish the same review in JSON-LD and microdata, or twice in JSON-LD.
    const key = `${norm(r.claimReviewed)}|${norm(r.rating ?? '')}|${r.url ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(r);
  };
  for (const node of jsonLdNodes(doc)) push(node);
  for (const node of microdataReviews(doc)) push(node);
  return out;
}

// ---- JSON-LD ----

function* jsonLdNodes(doc: ClaimReviewDocument): Generator<PageClaimReview | null> {
  const scripts = doc.querySelectorAll('script');
  for (let i = 0; i < scripts.length; i++) {
    const s = scripts[i];
    const type = (s?.getAttribute('type') ?? '').trim().toLowerCase();
    if (s === undefined || !type.startsWith('application/ld+json')) continue;
    const parsed = parseJsonLd(s.textContent ?? '');
    if (parsed === undefined) continue;
    const ids = new Map<string, JsonObject>();
    collectIds(parsed, ids, 0);
    const reviews: JsonObject[] = [];
    findTyped(parsed, 'ClaimReview', reviews, 0);
    for (const r of reviews) yield fromJsonLd(r, ids);
  }
}

/** JSON-LD as pages really ship it: sometimes wrapped in CDATA or HTML comments, sometimes with trailing commas. */
function parseJsonLd(raw: string): Json | undefined {
  if (raw.length > MAX_JSON_CHARS) return undefined;
  const text = raw
    .trim()
    .replace(/^(<!--|\/\/\s*<!\[CDATA\[|<!\[CDATA\[)/, '')
    .replace(/(-->|\/\/\s*\]\]>|\]\]>)$/, '')
    .trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as Json;
  } catch {
    try {
      // Only trailing commas before a closing bracket are repaired; anything else is left unread.
      return JSON.parse(text.replace(/,\s*([}\]])/g, '$1')) as Json;
    } catch {
      return undefined;
    }
  }
}

const isObject = (v: Json | undefined): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function collectIds(v: Json, ids: Map<string, JsonObject>, depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(v)) {
    for (const x of v) collectIds(x, ids, depth + 1);
  } else if (isObject(v)) {
    const id = v['@id'];
    // A bare reference ({"@id": …} alone) must not shadow the node it points to.
    if (typeof id === 'string' && Object.keys(v).length > 1 && !ids.has(id)) ids.set(id, v);
    for (const x of Object.values(v)) collectIds(x, ids, depth + 1);
  }
}

/** `@type` may be a string or an array, bare or prefixed ("schema:ClaimReview", "https://schema.org/ClaimReview"). */
function hasType(o: JsonObject, type: string): boolean {
  const t = o['@type'];
  const list = Array.isArray(t) ? t : [t];
  return list.some((x) => typeof x === 'string' && x.replace(/^.*[/:#]/, '') === type);
}

function findTyped(v: Json, type: string, out: JsonObject[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  if (Array.isArray(v)) {
    for (const x of v) findTyped(x, type, out, depth + 1);
  } else if (isObject(v)) {
    if (hasType(v, type)) out.push(v);
    // ClaimReviews also appear nested: in @graph, under an article's `review`, `hasPart` or `mainEntity`.
    for (const [k, x] of Object.entries(v)) if (k !== '@context') findTyped(x, type, out, depth + 1);
  }
}

function fromJsonLd(r: JsonObject, ids: Map<string, JsonObject>): PageClaimReview | null {
  const deref = (v: Json | undefined): Json | undefined => {
    const first = Array.isArray(v) ? v[0] : v;
    if (isObject(first) && typeof first['@id'] === 'string' && Object.keys(first).length === 1)
      return ids.get(first['@id']) ?? first;
    return first;
  };
  const item = deref(r['itemReviewed']);
  const itemObj = isObject(item) ? item : null;
  const claim =
    text(r['claimReviewed']) ??
    (itemObj === null ? null : (text(itemObj['text']) ?? text(itemObj['name']))) ??
    null;
  if (claim === null) return null;
  const rating = deref(r['reviewRating']);
  const ratingObj = isObject(rating) ? rating : null;
  const who = deref(r['author']) ?? deref(r['publisher']);
  const whoObj = isObject(who) ? who : null;
  const claimant = itemObj === null ? undefined : deref(itemObj['author']);
  return {
    claimReviewed: claim,
    rating: ratingObj === null ? null : (text(ratingObj['alternateName']) ?? text(ratingObj['name'])),
    ratingValue: ratingObj === null ? null : scalar(ratingObj['ratingValue']),
    bestRating: ratingObj === null ? null : scalar(ratingObj['bestRating']),
    worstRating: ratingObj === null ? null : scalar(ratingObj['worstRating']),
    publisher: whoObj === null ? text(who) : text(whoObj['name']),
    publisherUrl: whoObj === null ? null : httpUrl(text(whoObj['url'])),
    claimant: isObject(claimant) ? text(claimant['name']) : text(claimant),
    url: httpUrl(text(r['url'])),
    datePublished: text(r['datePublished']),
    format: 'json-ld',
  };
}

// ---- microdata ----

function* microdataReviews(doc: ClaimReviewDocument): Generator<PageClaimReview | null> {
  const scopes = doc.querySelectorAll('[itemscope][itemtype]');
  for (let i = 0; i < scopes.length; i++) {
    const el = scopes[i];
    if (el === undefined) continue;
    const types = (el.getAttribute('itemtype') ?? '').split(/\s+/).map((t) => t.replace(/^.*[/:#]/, ''));
    if (!types.includes('ClaimReview')) continue;
    const props = itemProps(el);
    const item = props.get('itemReviewed')?.[0];
    const claim =
      propText(props, 'claimReviewed') ??
      (item instanceof Map ? (propText(item, 'text') ?? propText(item, 'name')) : null);
    if (claim === null) continue;
    const rating = props.get('reviewRating')?.[0];
    const ratingMap = rating instanceof Map ? rating : null;
    const who = props.get('author')?.[0] ?? props.get('publisher')?.[0];
    const claimant = item instanceof Map ? item.get('author')?.[0] : undefined;
    const nameOf = (v: PropValue | undefined): string | null =>
      v === undefined ? null : v instanceof Map ? propText(v, 'name') : clean(v);
    yield {
      claimReviewed: claim,
      rating:
        ratingMap === null ? null : (propText(ratingMap, 'alternateName') ?? propText(ratingMap, 'name')),
      ratingValue: ratingMap === null ? null : propText(ratingMap, 'ratingValue'),
      bestRating: ratingMap === null ? null : propText(ratingMap, 'bestRating'),
      worstRating: ratingMap === null ? null : propText(ratingMap, 'worstRating'),
      publisher: nameOf(who),
      publisherUrl: who instanceof Map ? httpUrl(propText(who, 'url')) : null,
      claimant: nameOf(claimant),
      url: httpUrl(propText(props, 'url')),
      datePublished: propText(props, 'datePublished'),
      format: 'microdata',
    };
  }
}

type PropValue = string | Map<string, PropValue[]>;

/** The properties of one microdata item: descendants with `itemprop`, not looking inside nested items. */
function itemProps(scope: ClaimReviewElement, depth = 0): Map<string, PropValue[]> {
  const props = new Map<string, PropValue[]>();
  const visit = (el: ClaimReviewElement, d: number): void => {
    if (d > MAX_DEPTH * 2) return;
    const kids = el.children;
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      if (k === undefined) continue;
      const names = (k.getAttribute('itemprop') ?? '').split(/\s+/).filter((n) => n !== '');
      const nested = k.hasAttribute('itemscope');
      if (names.length > 0) {
        const value: PropValue = nested && depth < 4 ? itemProps(k, depth + 1) : propValue(k);
        for (const n of names) props.set(n, [...(props.get(n) ?? []), value]);
      }
      if (!nested) visit(k, d + 1);
    }
  };
  visit(scope, 0);
  return props;
}

function propValue(el: ClaimReviewElement): string {
  const tag = el.tagName.toUpperCase();
  const attr =
    tag === 'META'
      ? 'content'
      : tag === 'A' || tag === 'LINK' || tag === 'AREA'
        ? 'href'
        : tag === 'TIME'
          ? 'datetime'
          : tag === 'DATA' || tag === 'METER'
            ? 'value'
            : tag === 'IMG'
              ? 'src'
              : null;
  const v = attr === null ? null : el.getAttribute(attr);
  return (v ?? (tag === 'TIME' ? el.textContent : attr === null ? el.textContent : '') ?? '').trim();
}

function propText(props: Map<string, PropValue[]>, name: string): string | null {
  const v = props.get(name)?.[0];
  return typeof v === 'string' ? clean(v) : null;
}

// ---- values ----

const clean = (v: string): string | null => {
  const t = v.replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT);
  return t === '' ? null : t;
};

function text(v: Json | undefined): string | null {
  if (typeof v === 'string') return clean(v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) {
    for (const x of v) {
      const t = text(x);
      if (t !== null) return t;
    }
    return null;
  }
  // Language maps: {"@value": "…", "@language": "en"}.
  if (isObject(v) && '@value' in v) return text(v['@value']);
  return null;
}

const scalar = (v: Json | undefined): string | null => text(v);

/** Only absolute http(s) links reach a report: a `javascript:` or relative URL is dropped, not repaired. */
function httpUrl(v: string | null): string | null {
  if (v === null) return null;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

const norm = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();
