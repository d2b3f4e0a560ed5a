// `autointel search <words…> [--guild ID | --user ID] [--limit N] [--json]`: full-text search over stored reports,
// best first — the operator's view of what /autointel_search shows a member inside one server.
import { parseArgs } from 'node:util';
import { toAppError } from '../core/errors.js';
import type { ReportScope, ReportSearchHit } from '../store/store.js';
import { withStoredData, type StoredIo } from './stored.js';

const USAGE = `Usage: autointel search <words…> [--guild ID | --user ID] [--limit N] [--json]

Searches the titles, summaries, key points, claims and transcripts of stored reports, best match first.
  --guild ID   only the reports requested in that Discord server (what /autointel_search shows there)
  --user ID    only that member's reports requested outside any server
  --limit N    at most N hits (default 10, at most 100)
  --json       one JSON array instead of text
Without --guild or --user every stored report is searched. Reads PostgreSQL when DATABASE_URL is set, else SQLite
under AUTOINTEL_DATA_DIR.
Exit codes: 0 hits printed, 1 no hits, 2 bad usage.
`;

/** A hit as terminal text: the store's `**` markers become [brackets]. */
function describeHit(hit: ReportSearchHit, n: number): string {
  const date = new Date(hit.createdAt).toISOString().slice(0, 10);
  const snippet = hit.snippet
    .replace(/\s+/g, ' ')
    .replace(/\*\*(.*?)\*\*/g, '[$1]')
    .trim();
  return [
    `${n}. ${hit.title.replace(/\s+/g, ' ').trim() || 'Untitled'}`,
    `   ${hit.depth} · ${date} · workflow ${hit.workflowId}`,
    `   ${hit.url}`,
    ...(snippet === '' ? [] : [`   ${snippet}`]),
  ].join('\n');
}

export async function run(args: readonly string[], io: StoredIo = {}): Promise<number> {
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t));
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        guild: { type: 'string' },
        user: { type: 'string' },
        limit: { type: 'string', default: '10' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e: unknown) {
    err(`${toAppError(e).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help === true) {
    out(USAGE);
    return 0;
  }
  const query = parsed.positionals.join(' ').trim();
  const limit = Number(parsed.values.limit);
  const { guild, user } = parsed.values;
  if (query === '' || !Number.isInteger(limit) || limit < 1 || limit > 100) {
    err(USAGE);
    return 2;
  }
  if (guild !== undefined && user !== undefined) {
    err(`Give --guild or --user, not both.\n\n${USAGE}`);
    return 2;
  }
  const scope: ReportScope =
    guild !== undefined
      ? { kind: 'guild', guildId: guild }
      : user !== undefined
        ? { kind: 'direct', requesterId: user }
        : { kind: 'operator' };
  return withStoredData(
    io,
    (where) => {
      err(`No reports to search: there is no store at ${where} yet.\n`);
      return 1;
    },
    async (store) => {
      const hits = await store.searchReports(query, { limit, scope });
      if (parsed.values.json === true) {
        out(`${JSON.stringify(hits, null, 2)}\n`);
        return hits.length === 0 ? 1 : 0;
      }
      if (hits.length === 0) {
        err(`No stored report matches "${query}".\n`);
        return 1;
      }
      out(`${hits.map((h, i) => describeHit(h, i + 1)).join('\n\n')}\n`);
      return 0;
    },
  );
}
