// Links to the place of an item in its source: URL text fragments for pages, `t=` for YouTube and media,
// `#page=` for PDFs. Pure: the report keeps spans; renderers call this to show where an item comes from.

export interface LinkSource {
  readonly finalUrl: string;
  readonly kind: 'article' | 'text' | 'subtitles' | 'media' | 'document';
}

export interface LinkTarget {
  /** The item's words as they stand in the source (a sentence, a quote); the fragment quotes them. */
  readonly text?: string | undefined;
  /** Whether `text` is only the start of the passage (a shortened TL;DR): the fragment then names no end. */
  readonly prefixOnly?: boolean | undefined;
  readonly span: {
    readonly startTime?: number | undefined;
    readonly page?: number | undefined;
  };
}

/** Words quoted at each end of a text fragment when the passage is long. */
const EDGE_WORDS = 4;
/** Passages up to this many words are quoted whole. */
const WHOLE_WORDS = 8;

/**
 * Percent-encodes a text directive term: everything encodeURIComponent encodes, plus the characters the
 * text-fragment syntax gives a meaning to ("-", ",", "&") and the ones some clients mangle ("!'()*~").
 */
export function encodeFragmentText(s: string): string {
  // A lone surrogate cannot be percent-encoded (encodeURIComponent throws): it becomes U+FFFD.
  const wellFormed = s.replace(
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    '\ufffd',
  );
  return encodeURIComponent(wellFormed).replace(
    /[-!'()*~,&]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `#:~:text=start,end` (or `text=whole`) for a passage, per the URL text fragment syntax. */
export function textFragment(passage: string, prefixOnly = false): string | null {
  const words = passage
    .replace(/[“”"]/g, ' ')
    .split(/\s+/)
    .filter((w) => w !== '');
  if (words.length === 0) return null;
  if (prefixOnly) return `:~:text=${encodeFragmentText(words.slice(0, EDGE_WORDS + 2).join(' '))}`;
  if (words.length <= WHOLE_WORDS) return `:~:text=${encodeFragmentText(words.join(' '))}`;
  const start = words.slice(0, EDGE_WORDS).join(' ');
  const end = words.slice(-EDGE_WORDS).join(' ');
  return `:~:text=${encodeFragmentText(start)},${encodeFragmentText(end)}`;
}

const isYouTube = (u: URL): boolean =>
  /(^|\.)youtube\.com$/.test(u.hostname) ||
  u.hostname === 'youtu.be' ||
  /(^|\.)youtube-nocookie\.com$/.test(u.hostname);

/** The link to an item's place in its source, or null when the source is not a web address or has no place. */
export function linkTo(source: LinkSource, target: LinkTarget): string | null {
  let url: URL;
  try {
    url = new URL(source.finalUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const { startTime, page } = target.span;
  if (startTime !== undefined && isYouTube(url)) {
    url.searchParams.set('t', `${Math.floor(startTime)}s`);
    return url.href;
  }
  if (startTime !== undefined && (source.kind === 'media' || source.kind === 'subtitles')) {
    url.hash = `t=${Math.floor(startTime)}`;
    return url.href;
  }
  if (page !== undefined && /\.pdf$/i.test(url.pathname)) {
    url.hash = `page=${page}`;
    return url.href;
  }
  if ((source.kind === 'article' || source.kind === 'text') && target.text !== undefined) {
    const fragment = textFragment(target.text, target.prefixOnly === true);
    if (fragment === null) return null;
    url.hash = '';
    // Set by hand: URL's hash setter would re-encode the directive's percent signs.
    return `${url.href}#${fragment}`;
  }
  return null;
}
