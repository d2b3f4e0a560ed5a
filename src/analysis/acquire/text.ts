// Plain text and Markdown → the readable text that report spans index into.

/** Normalises line endings and blank runs; keeps the words exactly as written. */
export function normalizePlainText(input: string): string {
  const lines = input
    .replace(/^\ufeff/, '')
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes/refuses
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .split('\n');
  // Trailing blanks go line by line: `/[ \t]+$/m` rescans a long run of blanks from each of its characters.
  for (let i = 0; i < lines.length; i++) lines[i] = trimBlanksEnd(lines[i] ?? '');
  return lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function trimBlanksEnd(line: string): string {
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  return end === line.length ? line : line.slice(0, end);
}

export interface MarkdownText {
  readonly text: string;
  /** The first level-1 heading or front-matter `title`, when present. */
  readonly title: string | null;
}

/**
 * Every pattern here runs on user text, so none may backtrack quadratically: each scan stops at the next opener
 * of its own kind (`[^[\]]`, `[^()]`, `[^<>]`, `(?:(?!\1).)`), so a line of 20,000 `[` or of unclosed `**x` is
 * one linear pass, not one pass per opener.
 */
const stripInline = (line: string): string =>
  line
    // Images keep their alt text, links their label; autolinks their URL.
    .replace(/!\[([^[\]]*)\]\([^()]*\)/g, '$1')
    .replace(/\[([^[\]]+)\]\([^()]*\)/g, '$1')
    .replace(/\[([^[\]]+)\]\[[^[\]]*\]/g, '$1')
    .replace(/<(https?:\/\/[^<>\s]+)>/g, '$1')
    .replace(/<\/?[a-z][^<>]*>/gi, '')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1/g, '$2')
    .replace(/(^|[^\w*])([*_])(?=\S)((?:(?!\2).)+?)(?<=\S)\2(?![\w*])/g, '$1$3')
    .replace(/~~(?=\S)((?:(?!~~).)+?)(?<=\S)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|>])/g, '$1');

/**
 * Removes Markdown syntax line by line: headings, emphasis, links, images, list and quote markers, fences,
 * tables, reference definitions and front matter. Code inside fences is kept as text.
 */
export function markdownToText(input: string): MarkdownText {
  const lines = normalizePlainText(input).split('\n');
  let title: string | null = null;
  let i = 0;
  if (lines[0] === '---') {
    const end = lines.indexOf('---', 1);
    if (end > 0) {
      for (const l of lines.slice(1, end)) {
        const m = /^title:(.*)$/.exec(l);
        const t = m?.[1]
          ?.trim()
          .replace(/^["']|["']$/g, '')
          .trim();
        if (t !== undefined && t !== '') title = t;
      }
      i = end + 1;
    }
  }
  const out: string[] = [];
  let inFence = false;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) {
      out.push(line);
      continue;
    }
    if (/^\s*\[[^\]]+\]:\s*\S+/.test(line)) continue;
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) continue;
    if (/^\s*(=+|-+)\s*$/.test(line) && out.length > 0 && (out[out.length - 1] ?? '') !== '') {
      if (title === null && line.trim().startsWith('=')) title = out[out.length - 1] ?? null;
      continue;
    }
    // Trimmed first: `^\s*\|?\s*` over a long run of blanks tries every split of the run.
    if (/^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/.test(line.trim())) continue;
    let l = line;
    const heading = /^\s{0,3}(#{1,6})\s+(.*)$/.exec(l);
    if (heading?.[2] !== undefined) {
      // A closing run of `#` is stripped by hand: `(.*?)\s*#*\s*$` rescans trailing blanks at every position.
      l = heading[2].trimEnd();
      let end = l.length;
      while (end > 0 && l.charCodeAt(end - 1) === 35) end--;
      if (end < l.length && (end === 0 || /\s/.test(l[end - 1] ?? ''))) l = l.slice(0, end).trimEnd();
      if (title === null && heading[1] === '#') title = stripInline(l).trim();
    }
    l = l.replace(/^(\s*>)+\s?/, '');
    l = l.replace(/^\s*(?:[-*+]|\d{1,9}[.)])\s+(\[[ xX]\]\s+)?/, '');
    if (/^\s*\|.*\|\s*$/.test(l))
      l = l
        .trim()
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim())
        .join(' \u2014 ');
    out.push(stripInline(l).trimEnd());
  }
  return {
    text: out
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
    title,
  };
}

/** Whether a URL or file name says Markdown. */
export const isMarkdownName = (name: string): boolean => /\.(md|markdown|mdown|mkd)$/i.test(name);
