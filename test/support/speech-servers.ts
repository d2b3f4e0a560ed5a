// Local servers for speech-to-text journeys: a direct audio link (FLEURS clips joined into one WAV by ffmpeg) and an
// OpenAI-compatible /audio/transcriptions endpoint per worker path (`/<name>/v1`) that records which chunk file each
// worker's engine sent and answers verbose_json "chunk N heard." at 0.25–1.25 s into the chunk.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { corpusDir } from './corpus.js';

export interface SttCall {
  /** The path segment naming the worker whose engine called. */
  readonly worker: string;
  readonly chunk: number;
  readonly bytes: number;
}

export interface SpeechServers {
  readonly mediaUrl: string;
  /** `${sttBase}/<worker>/v1` is one worker's AUTOINTEL_STT_BASE_URL. */
  readonly sttBase: string;
  readonly calls: SttCall[];
  close(): Promise<void>;
}

/** The text the STT server says for chunk `index`, and where in the chunk (seconds). */
export const heardText = (index: number): string => `chunk ${index} heard.`;
export const HEARD_AT = 0.25;

async function readForm(req: IncomingMessage): Promise<FormData> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  const headers = new Headers();
  headers.set('content-type', String(req.headers['content-type']));
  return new Request('http://local/', { method: 'POST', headers, body: Buffer.concat(parts) }).formData();
}

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

/** `clips` FLEURS clips in a row (about 10 s each) served as one WAV; each STT answer takes `answerMs`. */
export async function startSpeechServers(
  dir: string,
  clips: number,
  answerMs: number,
): Promise<SpeechServers> {
  const inputs = Array.from({ length: clips }, (_, i) =>
    path.join(corpusDir, 'speech', 'fleurs-en', `fleurs-en-${String(i).padStart(3, '0')}.ogg`),
  );
  const talk = path.join(dir, 'talk.wav');
  execFileSync('ffmpeg', [
    '-nostdin',
    '-loglevel',
    'error',
    ...inputs.flatMap((c) => ['-i', c]),
    '-filter_complex',
    `${inputs.map((_, i) => `[${i}:a]`).join('')}concat=n=${inputs.length}:v=0:a=1`,
    '-ac',
    '1',
    '-ar',
    '16000',
    talk,
  ]);
  const audio = readFileSync(talk);
  const media = createServer((req, res) => {
    if (req.url !== '/talk.wav') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(audio.length) });
    res.end(req.method === 'HEAD' ? undefined : audio);
  });
  const calls: SttCall[] = [];
  const stt = createServer((req, res) => {
    void (async () => {
      const m = /^\/([a-z0-9-]+)\/v1\/audio\/transcriptions$/.exec(req.url ?? '');
      if (req.method !== 'POST' || m?.[1] === undefined) return void res.writeHead(404).end();
      const form = await readForm(req);
      const file = form.get('file');
      const name = file instanceof File ? file.name : '';
      const chunk = Number(/chunk-(\d+)\.wav$/.exec(name)?.[1] ?? -1);
      calls.push({ worker: m[1], chunk, bytes: file instanceof File ? file.size : 0 });
      await delay(answerMs);
      const text = ` ${heardText(chunk)}`;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          task: 'transcribe',
          language: 'english',
          duration: 1,
          text,
          segments: [{ id: 0, start: HEARD_AT, end: HEARD_AT + 1, text }],
        }),
      );
    })();
  });
  const mediaUrl = `${await listen(media)}/talk.wav`;
  const sttBase = await listen(stt);
  return {
    mediaUrl,
    sttBase,
    calls,
    close: async () => {
      await new Promise((r) => media.close(r));
      await new Promise((r) => stt.close(r));
    },
  };
}
