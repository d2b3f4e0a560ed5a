// The private answer to /autointel_search (and the lines `autointel search` prints): ranked hits with the matched
// words marked, where each report came from, and how to open it. Everything taken from a report is escaped.
import { LIMITS } from '../discord-api/limits.js';
import { EPHEMERAL, type DiscordMessage } from '../discord-api/message.js';
import type { ReportSearchHit } from '../store/store.js';
import { escapeInline, sanitize, truncate } from './text.js';

export interface SearchResultsOptions {
  /** The report page of a workflow, when the deployment has a public URL (AUTOINTEL_PUBLIC_URL). */
  readonly pageFor?: ((workflowId: string) => string | null) | undefined;
}

const SNIPPET_CHARS = 300;
const TITLE_CHARS = 150;
const EMBED_COLOR = 0x5865f2;

/** A snippet with the store's `**` match markers kept as bold and everything else escaped. */
export function markedSnippet(snippet: string, maxChars = SNIPPET_CHARS): string {
  const pieces = sanitize(snippet).split('**');
  let out = '';
  let used = 0;
  for (let i = 0; i < pieces.length; i++) {
    const raw = pieces[i] ?? '';
    const room = maxChars - used;
    if (room <= 0) break;
    const text = raw.length > room ? `${raw.slice(0, room)}…` : raw;
    used += text.length;
    const escaped = escapeInline(text);
    // Odd pieces sat between markers: the matched words.
    out += i % 2 === 1 && escaped.trim() !== '' ? `**${escaped}**` : escaped;
  }
  return out;
}

/** A source URL Discord shows as a link without a preview: parsed and re-serialised, so `<`, `>` are encoded. */
function quietLink(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    return u.href.length > 500 ? null : `<${u.href}>`;
  } catch {
    return null;
  }
}

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** One hit as Markdown lines for the embed. */
function hitBlock(hit: ReportSearchHit, n: number, options: SearchResultsOptions): string {
  const title = truncate(sanitize(hit.title) || 'Untitled', TITLE_CHARS);
  const source = quietLink(hit.url);
  const page = options.pageFor?.(hit.workflowId) ?? null;
  const lines = [
    `**${n}. ${title}** · ${hit.depth} · ${day(hit.createdAt)}`,
    ...(source === null ? [] : [source]),
    ...(hit.snippet.trim() === '' ? [] : [`> ${markedSnippet(hit.snippet)}`]),
    `\`/retrieve_results workflow_id:${hit.workflowId}\`${page === null ? '' : ` · [report page](${page})`}`,
  ];
  return lines.join('\n');
}

/** The private message listing `hits` for `query` (already ranked, best first). */
export function renderSearchResults(
  query: string,
  hits: readonly ReportSearchHit[],
  options: SearchResultsOptions = {},
): DiscordMessage {
  const shownQuery = truncate(query, 100);
  if (hits.length === 0) {
    return {
      content:
        `No report from this server matches “${shownQuery}”. Search looks at the titles, summaries, key points, ` +
        'claims and transcripts of finished analyses that are still kept.',
      flags: EPHEMERAL,
      allowed_mentions: { parse: [] },
    };
  }
  const blocks: string[] = [];
  let size = 0;
  for (const [i, hit] of hits.entries()) {
    const block = hitBlock(hit, i + 1, options);
    if (size + block.length + 2 > LIMITS.description) break;
    blocks.push(block);
    size += block.length + 2;
  }
  return {
    embeds: [
      {
        title: truncate(`Reports matching “${query}”`, LIMITS.title),
        description: blocks.join('\n\n'),
        color: EMBED_COLOR,
        footer: { text: `${blocks.length} best match${blocks.length === 1 ? '' : 'es'}, best first` },
      },
    ],
    flags: EPHEMERAL,
    allowed_mentions: { parse: [] },
  };
}
