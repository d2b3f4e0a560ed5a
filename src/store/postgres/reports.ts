// The PostgreSQL CheckpointReportStore: stage checkpoints (fenced by the run holding the lease), reports, tsvector
// search.
import type pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type { Depth } from '../../core/stage.js';
import type { CheckpointReportStore, ReportSearchHit, RunLease, StoredReport } from '../store.js';
import { jsonText } from '../../core/json.js';
import { json, num, type PgContext } from './context.js';

export class PgCheckpointsReports implements CheckpointReportStore {
  readonly #c: PgContext;

  constructor(context: PgContext) {
    this.#c = context;
  }

  #query<R extends QueryResultRow>(
    text: string,
    values: readonly unknown[] = [],
    client?: PoolClient,
  ): Promise<pg.QueryResult<R>> {
    return this.#c.query<R>(text, values, client);
  }

  async saveCheckpoint(run: RunLease, stage: string, output: unknown, now: number): Promise<boolean> {
    // One statement: the insert happens only while the run holds the lease; `held` answers even when the
    // checkpoint already existed (idempotent save).
    const r = await this.#query<{ held: boolean }>(
      `WITH held AS (SELECT 1 FROM workflows WHERE id = $1 AND run_id = $2 AND status = 'running'),
       ins AS (
         INSERT INTO checkpoints (workflow_id, stage, output, created_at)
         SELECT $1, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM held)
         ON CONFLICT (workflow_id, stage) DO NOTHING)
       SELECT EXISTS (SELECT 1 FROM held) AS held`,
      [run.workflowId, run.runId, stage, json(output), now],
    );
    return r.rows[0]?.held === true;
  }

  async seedCheckpoints(
    id: string,
    outputs: Readonly<Record<string, unknown>>,
    now: number,
  ): Promise<boolean> {
    const entries = Object.entries(outputs);
    const r = await this.#query<{ fresh: boolean }>(
      `WITH fresh AS (SELECT 1 FROM workflows WHERE id = $1 AND status = 'queued' AND attempts = 0),
       ins AS (
         INSERT INTO checkpoints (workflow_id, stage, output, created_at)
         SELECT $1, e.stage, e.output::json, $4 FROM unnest($2::text[], $3::text[]) AS e(stage, output)
         WHERE EXISTS (SELECT 1 FROM fresh)
         ON CONFLICT (workflow_id, stage) DO NOTHING)
       SELECT EXISTS (SELECT 1 FROM fresh) AS fresh`,
      [id, entries.map(([k]) => k), entries.map(([, v]) => jsonText(v)), now],
    );
    return r.rows[0]?.fresh === true;
  }

  async getCheckpoints(id: string): Promise<Record<string, unknown>> {
    const r = await this.#query<{ stage: string; output: unknown }>(
      `SELECT stage, output FROM checkpoints WHERE workflow_id = $1 ORDER BY created_at, stage`,
      [id],
    );
    const out: Record<string, unknown> = {};
    for (const row of r.rows) out[row.stage] = row.output;
    return out;
  }

  async saveReport(
    input: StoredReport & { readonly title: string; readonly searchText: string },
  ): Promise<void> {
    await this.#query(
      `INSERT INTO reports (id, workflow_id, url, depth, report, title, search_text, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET report = EXCLUDED.report, title = EXCLUDED.title,
         search_text = EXCLUDED.search_text`,
      [
        input.id,
        input.workflowId,
        input.url,
        input.depth,
        jsonText(input.report),
        input.title,
        input.searchText,
        input.createdAt,
      ],
    );
  }

  async getReport(id: string): Promise<StoredReport | null> {
    const r = await this.#query<{
      id: string;
      workflow_id: string;
      url: string;
      depth: string;
      report: unknown;
      created_at: string;
    }>(`SELECT id, workflow_id, url, depth, report, created_at FROM reports WHERE id = $1`, [id]);
    const row = r.rows[0];
    if (row === undefined) return null;
    return {
      id: row.id,
      workflowId: row.workflow_id,
      url: row.url,
      depth: row.depth as Depth,
      report: row.report,
      createdAt: num(row.created_at),
    };
  }

  async searchReports(
    query: string,
    options: { readonly limit: number; readonly excludeWorkflowId?: string; readonly guildId?: string },
  ): Promise<ReportSearchHit[]> {
    if (query.trim() === '' || options.limit <= 0) return [];
    // websearch_to_tsquery accepts any user text (quotes, OR, -word) without syntax errors.
    const r = await this.#query<{
      id: string;
      workflow_id: string;
      url: string;
      title: string;
      snippet: string;
      rank: number;
    }>(
      `SELECT id, workflow_id, url, title,
              ts_headline('english', search_text, q,
                          'StartSel=**, StopSel=**, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')
                AS snippet,
              ts_rank(search, q)::float8 AS rank
       FROM reports, websearch_to_tsquery('english', $1) AS q
       WHERE search @@ q AND ($3::text IS NULL OR workflow_id <> $3)
         AND ($4::text IS NULL OR workflow_id IN (SELECT id FROM workflows WHERE guild_id = $4))
       ORDER BY rank DESC, created_at DESC, id
       LIMIT $2`,
      [query, options.limit, options.excludeWorkflowId ?? null, options.guildId ?? null],
    );
    return r.rows.map((row) => ({
      reportId: row.id,
      workflowId: row.workflow_id,
      url: row.url,
      title: row.title,
      snippet: row.snippet,
      rank: row.rank,
    }));
  }
}
