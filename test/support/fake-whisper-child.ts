// Stands in for the whisper.cpp child process in tests of the parent side: speaks the same messages, and crashes,
// answers or waits for `stop` depending on the file name it is given.
import path from 'node:path';
import type { ChildReply, ChildRequest } from '../../src/analysis/transcribe/whisper-protocol.js';

const send = (m: ChildReply): void => {
  process.send?.(m);
};
const waiting = new Map<number, () => void>();

process.on('message', (m: ChildRequest) => {
  if (m.type === 'stop') {
    waiting.get(m.id)?.();
    return;
  }
  if (m.type !== 'transcribe') return;
  const name = path.basename(m.wavPath);
  if (name.includes('crash')) process.kill(process.pid, 'SIGKILL');
  else if (name.includes('slow')) {
    waiting.set(m.id, () => send({ type: 'result', id: m.id, aborted: true, language: null, segments: [] }));
  } else {
    send({
      type: 'result',
      id: m.id,
      aborted: false,
      language: 'en',
      segments: [
        { start: 0.5, end: 1.5, text: `heard ${name} with ${m.threads} threads in ${m.language ?? 'auto'}` },
      ],
    });
  }
});
process.on('disconnect', () => process.exit(0));
