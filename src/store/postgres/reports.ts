// The PostgreSQL CheckpointReportStore: stage checkpoints (fenced by the run holding the lease), reports, tsvector
// search.
import type pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type { Depth } from '../../core/stage.js';
import {
  scopeParams,
  type CheckpointReportStore,
  type ReportScope,
  type ReportSearchHit,
  type RunLease,
  type StoredReport,
} from '../store.js';
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
    options: { readonly limit: number; readonly excludeWorkflowId?: string; readonly scope: ReportScope },
  ): Promise<ReportSearchHit[]> {
    if (query.trim() === '' || options.limit <= 0) return [];
    const scope = scopeParams(options.scope);
    // websearch_to_tsquery accepts any user text (quotes, OR, -word) without syntax errors. The headline is computed
    // for the page of hits only (the inner query ranks and limits first).
    const r = await this.#query<{
      id: string;
      workflow_id: string;
      url: string;
      title: string;
      depth: Depth;
      created_at: string;
      snippet: string;
      rank: number;
    }>(
      `SELECT hit.id, hit.workflow_id, hit.url, hit.title, hit.depth, hit.created_at, hit.rank,
              ts_headline('english', hit.search_text, hit.q,
                          'StartSel=**, StopSel=**, MaxWords=35, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')
                AS snippet
       FROM (
         SELECT r.id, r.workflow_id, r.url, r.title, r.depth, r.created_at, r.search_text, q,
                ts_rank(r.search, q)::float8 AS rank
         FROM reports r LEFT JOIN workflows w ON w.id = r.workflow_id CROSS JOIN websearch_to_tsquery('english', $1) AS q
         WHERE r.search @@ q AND ($3::text IS NULL OR r.workflow_id <> $3)
           AND ($4 = 'operator'
                OR ($4 = 'guild' AND w.guild_id = $5)
                OR ($4 = 'direct' AND w.guild_id IS NULL AND w.requester_id = $5))
         ORDER BY rank DESC, r.created_at DESC, r.id
         LIMIT $2
       ) AS hit
       ORDER BY hit.rank DESC, hit.created_at DESC, hit.id`,
      [query, options.limit, options.excludeWorkflowId ?? null, scope.kind, scope.id],
    );
    return r.rows.map((row) => ({
      reportId: row.id,
      workflowId: row.workflow_id,
      url: row.url,
      title: row.title,
      snippet: row.snippet,
      rank: row.rank,
      depth: row.depth,
      createdAt: num(row.created_at),
    }));
  }
}
