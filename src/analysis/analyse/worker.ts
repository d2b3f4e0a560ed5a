// Worker-thread entry: keeps one Analyser (and its loaded models) per thread and answers analysis jobs.
import { parentPort } from 'node:worker_threads';
import { toAppError } from '../../core/errors.js';
import { Analyser } from './analyser.js';
import type { WorkerReply, WorkerRequest } from './pool.js';

const port = parentPort;
if (port === null) throw new Error('analysis worker must run in a worker thread');

let analyser: Analyser | undefined;

port.on('message', (req: WorkerRequest) => {
  const reply = (r: WorkerReply): void => port.postMessage(r);
  try {
    analyser ??= new Analyser();
    const output = analyser.analyse(req.content, req.options, (fraction, message) =>
      reply({ id: req.id, type: 'progress', fraction, message: message ?? null }),
    );
    reply({ id: req.id, type: 'done', output });
  } catch (e: unknown) {
    const err = toAppError(e, 'analysis.failed');
    reply({
      id: req.id,
      type: 'error',
      error: { code: err.code, message: err.message, retryable: err.retryable },
    });
  }
});
