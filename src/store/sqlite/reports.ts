// The SQLite CheckpointReportStore: stage checkpoints (fenced by the run holding the lease), reports, FTS5 search.
import type { Database as Db, Statement } from 'better-sqlite3';
import { jsonText } from '../../core/json.js';
import type { Depth } from '../../core/stage.js';
import {
  scopeParams,
  type CheckpointReportStore,
  type ReportScope,
  type ReportSearchHit,
  type RunLease,
  type StoredReport,
} from '../store.js';
import type { SqliteContext } from './context.js';

/**
 * Turns free text into an FTS5 query of quoted terms (all must match), so user input can never be parsed as
 * FTS syntax (`AND`, `NEAR`, `"`, `*`, column filters).
 */
export function toFtsQuery(text: string): string | null {
  const terms = text
    .normalize('NFKC')
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((t) => t.length > 0)
    .slice(0, 32);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t}"`).join(' ');
}

export class SqliteCheckpointsReports implements CheckpointReportStore {
  readonly #c: SqliteContext;

  constructor(context: SqliteContext) {
    this.#c = context;
  }

  get #db(): Db {
    return this.#c.db;
  }

  #stmt(sql: string): Statement {
    return this.#c.stmt(sql);
  }

  async saveCheckpoint(run: RunLease, stage: string, output: unknown, now: number): Promise<boolean> {
    const tx = this.#db.transaction(() => {
      if (!this.#c.holds(run)) return false;
      this.#stmt(
        `INSERT INTO checkpoints (workflow_id, stage, output, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (workflow_id, stage) DO NOTHING`,
      ).run(run.workflowId, stage, jsonText(output), now);
      return true;
    });
    return tx.immediate();
  }

  async seedCheckpoints(
    id: string,
    outputs: Readonly<Record<string, unknown>>,
    now: number,
  ): Promise<boolean> {
    const tx = this.#db.transaction(() => {
      const fresh = this.#stmt(
        `SELECT 1 FROM workflows WHERE id = ? AND status = 'queued' AND attempts = 0`,
      ).get(id);
      if (fresh === undefined) return false;
      const insert = this.#stmt(
        `INSERT INTO checkpoints (workflow_id, stage, output, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (workflow_id, stage) DO NOTHING`,
      );
      for (const [stage, output] of Object.entries(outputs)) {
        insert.run(id, stage, jsonText(output), now);
      }
      return true;
    });
    return tx.immediate();
  }

  async getCheckpoints(id: string): Promise<Record<string, unknown>> {
    const rows = this.#stmt(
      'SELECT stage, output FROM checkpoints WHERE workflow_id = ? ORDER BY created_at, rowid',
    ).all(id) as { stage: string; output: string }[];
    const out: Record<string, unknown> = {};
    for (const r of rows) out[r.stage] = JSON.parse(r.output);
    return out;
  }

  async saveReport(
    input: StoredReport & { readonly title: string; readonly searchText: string },
  ): Promise<void> {
    const tx = this.#db.transaction(() => {
      const info = this.#stmt(
        `INSERT INTO reports (id, workflow_id, url, depth, report, title, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO NOTHING`,
      ).run(
        input.id,
        input.workflowId,
        input.url,
        input.depth,
        jsonText(input.report),
        input.title,
        input.createdAt,
      );
      // Indexed once, with the report row: a repeated save leaves both untouched.
      if (info.changes === 1) {
        this.#stmt('INSERT INTO reports_fts (report_id, title, body) VALUES (?, ?, ?)').run(
          input.id,
          input.title,
          input.searchText,
        );
      }
    });
    tx.immediate();
  }

  async getReport(id: string): Promise<StoredReport | null> {
    const row = this.#stmt(
      'SELECT id, workflow_id, url, depth, report, created_at FROM reports WHERE id = ?',
    ).get(id) as
      | { id: string; workflow_id: string; url: string; depth: Depth; report: string; created_at: number }
      | undefined;
    if (row === undefined) return null;
    return {
      id: row.id,
      workflowId: row.workflow_id,
      url: row.url,
      depth: row.depth,
      report: JSON.parse(row.report) as unknown,
      createdAt: row.created_at,
    };
  }

  async searchReports(
    query: string,
    options: { readonly limit: number; readonly excludeWorkflowId?: string; readonly scope: ReportScope },
  ): Promise<ReportSearchHit[]> {
    const fts = toFtsQuery(query);
    if (fts === null || options.limit <= 0) return [];
    const scope = scopeParams(options.scope);
    const rows = this.#stmt(
      `SELECT r.id AS report_id, r.workflow_id, r.url, r.title, r.depth, r.created_at,
              snippet(reports_fts, 2, '**', '**', '…', 16) AS snippet, bm25(reports_fts) AS rank
       FROM reports_fts
         JOIN reports r ON r.id = reports_fts.report_id
         LEFT JOIN workflows w ON w.id = r.workflow_id
       WHERE reports_fts MATCH @q AND (@exclude IS NULL OR r.workflow_id <> @exclude)
         AND (@scope = 'operator'
              OR (@scope = 'guild' AND w.guild_id = @scopeId)
              OR (@scope = 'direct' AND w.guild_id IS NULL AND w.requester_id = @scopeId))
       ORDER BY rank, r.created_at DESC LIMIT @limit`,
    ).all({
      q: fts,
      exclude: options.excludeWorkflowId ?? null,
      scope: scope.kind,
      scopeId: scope.id,
      limit: options.limit,
    }) as {
      report_id: string;
      workflow_id: string;
      url: string;
      title: string;
      depth: Depth;
      created_at: number;
      snippet: string;
      rank: number;
    }[];
    // bm25 is lower-is-better and negative; the port's rank is higher-is-better.
    return rows.map((r) => ({
      reportId: r.report_id,
      workflowId: r.workflow_id,
      url: r.url,
      title: r.title,
      snippet: r.snippet,
      rank: -r.rank,
      depth: r.depth,
      createdAt: r.created_at,
    }));
  }
}
