// `autointel results <workflow-id> [--format md|json]`: prints a stored report, or where its workflow stands.
import { parseArgs } from 'node:util';
import { renderMarkdown } from '../analysis/render/markdown.js';
import { ReportSchema } from '../analysis/report.js';
import { toAppError } from '../core/errors.js';
import { isUuid } from '../core/ids.js';
import { withStoredData, type StoredIo } from './stored.js';
import type { WorkflowRecord } from '../store/store.js';

const USAGE = `Usage: autointel results <workflow-id> [--format md|json]

Prints the stored report of a workflow (Markdown by default), or its status and failure reason when it has no
report. Reads the store every command uses: PostgreSQL when DATABASE_URL is set, else SQLite under
AUTOINTEL_DATA_DIR.
Exit codes: 0 report printed, 1 unknown id / failed / cancelled, 2 bad usage, 3 still queued or running.
`;

export type ResultsIo = StoredIo;

function describeStatus(w: WorkflowRecord): string {
  switch (w.status) {
    case 'queued':
      return `Workflow ${w.id} is queued${w.attempts > 0 ? ` (retrying after ${w.attempts} attempt(s))` : ''}.`;
    case 'running': {
      const p = w.progress;
      return p === null
        ? `Workflow ${w.id} is running.`
        : `Workflow ${w.id} is running: ${p.stage}, ${p.percent}% — ${p.message}.`;
    }
    case 'failed':
      return `Workflow ${w.id} failed: ${w.lastError?.message ?? 'no reason recorded'} (${w.lastError?.code ?? 'unknown'}).`;
    case 'cancelled':
      return `Workflow ${w.id} was cancelled.`;
    case 'completed':
      return `Workflow ${w.id} completed but its report is no longer stored.`;
  }
}

export async function run(args: readonly string[], io: ResultsIo = {}): Promise<number> {
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t));
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { format: { type: 'string', default: 'md' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e: unknown) {
    err(`${toAppError(e).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help === true) {
    out(USAGE);
    return 0;
  }
  const format = parsed.values.format;
  const [id, ...extra] = parsed.positionals;
  if (id === undefined || extra.length > 0 || (format !== 'md' && format !== 'json')) {
    err(USAGE);
    return 2;
  }
  if (!isUuid(id)) {
    err(`'${id}' is not a workflow id (expected a UUID such as 1b4e28ba-2fa1-41d2-883f-0016d3cca427).\n`);
    return 1;
  }

  return withStoredData(
    io,
    (where, dataDir) => {
      // Asking about a workflow must not create an empty database as a side effect.
      err(`No workflow ${id}: there is no store at ${where} (AUTOINTEL_DATA_DIR=${dataDir}).\n`);
      return 1;
    },
    async (store, where) => {
      const workflow = await store.getWorkflow(id);
      if (workflow === null) {
        err(
          `No workflow ${id} in ${where}. It may never have existed or been purged after the retention period.\n`,
        );
        return 1;
      }
      const report = workflow.reportId === null ? null : await store.getReport(workflow.reportId);
      if (report === null) {
        const status = describeStatus(workflow);
        if (format === 'json') {
          out(
            `${JSON.stringify({ id, status: workflow.status, progress: workflow.progress, error: workflow.lastError }, null, 2)}\n`,
          );
        } else {
          out(`${status}\n`);
        }
        return workflow.status === 'queued' || workflow.status === 'running' ? 3 : 1;
      }
      if (format === 'json') {
        out(`${JSON.stringify(report.report, null, 2)}\n`);
        return 0;
      }
      const valid = ReportSchema.safeParse(report.report);
      if (!valid.success) {
        err(`The stored report does not match the current report schema; printing it as JSON.\n`);
        out(`${JSON.stringify(report.report, null, 2)}\n`);
        return 0;
      }
      out(renderMarkdown(valid.data));
      return 0;
    },
  );
}
