// The child process that runs whisper.cpp (@fugood/whisper.node): one model loaded once, one chunk at a time, so
// native inference never runs on — or crashes — the process that answers Discord.
import type { ChildRequest, ChildReply } from './whisper-protocol.js';

interface Segment {
  text: string;
  t0: number;
  t1: number;
}
interface WhisperContext {
  transcribeFile(
    path: string,
    options: { language?: string; maxThreads?: number; tokenTimestamps?: boolean },
  ): {
    stop: () => Promise<void>;
    promise: Promise<{ language?: string; segments: Segment[]; isAborted: boolean }>;
  };
}
interface Binding {
  initWhisper(options: { filePath: string; useGpu: boolean }): Promise<WhisperContext>;
}

const modelPath = process.argv[2];
let context: Promise<WhisperContext> | null = null;
let current: { id: number; stop: () => Promise<void> } | null = null;
let queue: Promise<void> = Promise.resolve();

const send = (m: ChildReply): void => {
  process.send?.(m);
};

function load(): Promise<WhisperContext> {
  context ??= (async () => {
    if (modelPath === undefined) throw new Error('no model path given');
    // A variable specifier: the package ships no type declarations, its surface is typed above.
    const spec = '@fugood/whisper.node';
    const mod = (await import(spec)) as { default: Binding };
    return mod.default.initWhisper({ filePath: modelPath, useGpu: false });
  })();
  return context;
}

async function handle(req: Extract<ChildRequest, { type: 'transcribe' }>): Promise<void> {
  try {
    const ctx = await load();
    const job = ctx.transcribeFile(req.wavPath, {
      maxThreads: req.threads,
      ...(req.language === null ? {} : { language: req.language }),
    });
    current = { id: req.id, stop: job.stop };
    const r = await job.promise;
    send({
      type: 'result',
      id: req.id,
      aborted: r.isAborted,
      language: r.language ?? null,
      segments: r.segments.map((s) => ({ start: s.t0 / 1000, end: s.t1 / 1000, text: s.text })),
    });
  } catch (e: unknown) {
    send({ type: 'error', id: req.id, message: e instanceof Error ? e.message : String(e) });
  } finally {
    current = null;
  }
}

process.on('message', (m: ChildRequest) => {
  if (m.type === 'transcribe') queue = queue.then(() => handle(m));
  else if (m.type === 'stop' && current?.id === m.id) void current.stop();
  else if (m.type === 'load') {
    load().then(
      () => send({ type: 'loaded' }),
      (e: unknown) => send({ type: 'error', id: -1, message: e instanceof Error ? e.message : String(e) }),
    );
  }
});
process.on('disconnect', () => process.exit(0));
