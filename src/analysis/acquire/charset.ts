// Bytes → text: picks the charset (BOM, Content-Type, valid UTF-8, <meta>) and decodes without ever throwing.

export interface Decoded {
  readonly text: string;
  /** The WHATWG encoding name actually used. */
  readonly encoding: string;
  readonly source: 'bom' | 'header' | 'utf8-valid' | 'meta' | 'default';
  /** Replacement characters produced by invalid byte sequences. */
  readonly replacements: number;
}

/** Reads `charset=` from a Content-Type value. */
export function charsetFromContentType(contentType: string | null | undefined): string | null {
  if (contentType == null) return null;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(contentType);
  const v = (m?.[1] ?? m?.[2])?.trim();
  return v === undefined || v === '' ? null : v;
}

/** Prescans the start of an HTML document for `<meta charset>` or `<meta http-equiv content="...charset=">`. */
export function charsetFromMeta(bytes: Uint8Array): string | null {
  const head = new TextDecoder('windows-1252').decode(bytes.subarray(0, 4096));
  const re = /<meta\b[^>]*>/gi;
  for (let m = re.exec(head); m !== null; m = re.exec(head)) {
    const tag = m[0];
    const direct = /\bcharset\s*=\s*["']?\s*([\w.:-]+)/i.exec(tag);
    if (direct?.[1] !== undefined) return direct[1];
  }
  return null;
}

/** A label TextDecoder accepts, mapped to its canonical name; `null` for unknown labels. */
export function canonicalEncoding(label: string): string | null {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return null;
  }
}

function bomEncoding(bytes: Uint8Array): { encoding: string; length: number } | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', length: 3 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', length: 2 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', length: 2 };
  return null;
}

function isValidUtf8WithMultibyte(bytes: Uint8Array): boolean {
  let multibyte = false;
  for (const b of bytes) {
    if (b >= 0x80) {
      multibyte = true;
      break;
    }
  }
  if (!multibyte) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const countReplacements = (text: string): number => {
  let n = 0;
  for (let i = text.indexOf('\ufffd'); i >= 0; i = text.indexOf('\ufffd', i + 1)) n++;
  return n;
};

/**
 * Decodes a body. Order: BOM, then — when the declared charset is a legacy one but the bytes are valid UTF-8
 * containing multi-byte sequences — UTF-8 (pages saved as UTF-8 that still declare gb2312 or latin-1 are common,
 * and legacy text that happens to be valid multi-byte UTF-8 is vanishingly rare), then the Content-Type charset,
 * then `<meta>` (HTML only), then UTF-8, falling back to windows-1252 when UTF-8 would lose bytes.
 */
export function decodeBody(
  bytes: Uint8Array,
  options: { contentType?: string | null; html?: boolean } = {},
): Decoded {
  const finish = (encoding: string, source: Decoded['source'], offset = 0): Decoded => {
    const text = new TextDecoder(encoding, { fatal: false, ignoreBOM: offset > 0 }).decode(
      bytes.subarray(offset),
    );
    return { text, encoding, source, replacements: countReplacements(text) };
  };
  const bom = bomEncoding(bytes);
  if (bom !== null) return finish(bom.encoding, 'bom', bom.length);

  const headerLabel = charsetFromContentType(options.contentType);
  const header = headerLabel === null ? null : canonicalEncoding(headerLabel);
  const metaLabel = options.html === true ? charsetFromMeta(bytes) : null;
  const meta = metaLabel === null ? null : canonicalEncoding(metaLabel);
  const declared = header ?? meta;
  // UTF-16 declared in <meta> without a BOM is a lie by definition (the prescan read ASCII).
  const usable = declared !== null && !(declared.startsWith('utf-16') && header === null) ? declared : null;

  if (usable !== null && usable !== 'utf-8' && isValidUtf8WithMultibyte(bytes))
    return finish('utf-8', 'utf8-valid');
  if (header !== null) return finish(header, 'header');
  if (usable !== null) return finish(usable, 'meta');
  const utf8 = finish('utf-8', 'default');
  if (utf8.replacements === 0) return utf8;
  const latin = finish('windows-1252', 'default');
  return latin;
}

/** True when the bytes look binary (NUL bytes or many control characters near the start). */
export function looksBinary(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 8192);
  if (sample.length === 0) return false;
  // UTF-16 text has NULs; a BOM says so explicitly.
  if (bomEncoding(sample)?.encoding.startsWith('utf-16') === true) return false;
  let control = 0;
  for (const b of sample) {
    if (b === 0) return true;
    if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) control++;
  }
  return control / sample.length > 0.1;
}
