// Content-pool worker thread: runs one content task at a time (extraction, analysis, report validation and rendering)
// and answers with its outcome.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { bodyToFields } from '../acquire/body.js';
import { reportSearchFields } from '../report-search.js';
import { validateReport } from '../report-validation.js';
import type { Analyser } from '../analyse/analyser.js';
import { toWire, type ContentTask, type WorkerReply, type WorkerRequest } from './tasks.js';

const port = parentPort;
if (port === null) throw new Error('the content worker must run in a worker thread');

// Content work yields the CPU to the loop that answers Discord: on Linux a niceness set from a thread applies to that
// thread only, so the main thread keeps its priority while this one runs behind it. Lowering needs no privilege;
// where the platform refuses, the thread just runs at normal priority.
const niceness = (workerData as { niceness?: unknown } | null)?.niceness;
if (typeof niceness === 'number' && niceness > 0) {
  try {
    setPriority(niceness);
  } catch {
    // Not supported here: same priority as the main thread.
  }
}

// The analyser's models cost ~100 MB and ~200 ms to load: only threads that analyse pay for them, once.
let analyser: Analyser | undefined;

async function run(
  task: ContentTask,
  progress: (fraction: number, message?: string) => void,
): Promise<unknown> {
  switch (task.kind) {
    case 'body': {
      const r = bodyToFields(task.input);
      if (!r.ok) throw r.error;
      return r.value;
    }
    case 'analyse': {
      if (analyser === undefined) {
        const { Analyser: AnalyserClass } = await import('../analyse/analyser.js');
        analyser = new AnalyserClass();
      }
      return analyser.analyse(task.content, task.options, progress);
    }
    case 'validate-report':
      return validateReport(task.draft);
    case 'report-fields':
      return reportSearchFields(JSON.parse(task.json) as unknown, task.fallbackTitle);
    case 'render-report': {
      // Loaded on first use: threads that never render do not pay for the renderer and the rasteriser.
      const { renderReportJob } = await import('../../delivery/render-job.js');
      return renderReportJob(task.input);
    }
  }
}

port.on('message', (req: WorkerRequest) => {
  const reply = (r: WorkerReply): void => port.postMessage(r);
  run(req.task, (fraction, message) =>
    reply({ id: req.id, type: 'progress', fraction, message: message ?? null }),
  ).then(
    (output) => reply({ id: req.id, type: 'done', output }),
    (e: unknown) => reply({ id: req.id, type: 'error', error: toWire(e, `content.${req.task.kind}_failed`) }),
  );
});
