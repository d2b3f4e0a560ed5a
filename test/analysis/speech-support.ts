// What the speech suites need besides the corpus: ffmpeg and espeak-ng, skipped with instructions where missing
// (a failure under CI), and speech with known pauses made from espeak-ng.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { servicesRequired } from '../support/services.js';

export function speechToolsAvailable(
  suite: string,
  tools: readonly string[] = ['ffmpeg', 'espeak-ng'],
): boolean {
  const missing = tools.filter((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).error !== undefined);
  if (missing.length === 0) return true;
  const message = `${suite}: skipped, ${missing.join(' and ')} not found on PATH (Debian: apt-get install ${missing.join(' ')}).`;
  if (servicesRequired()) throw new Error(`AUTOINTEL_REQUIRE_SERVICES=1 but ${message}`);
  console.warn(message);
  return false;
}

/** 16 kHz mono s16le samples of `file`, decoded by ffmpeg. */
export function decode16k(file: string): Int16Array {
  const out = execFileSync(
    'ffmpeg',
    ['-nostdin', '-loglevel', 'error', '-i', file, '-ac', '1', '-ar', '16000', '-f', 's16le', '-'],
    { maxBuffer: 1 << 28 },
  );
  return new Int16Array(out.buffer, out.byteOffset, out.length / 2);
}

/** Where each sentence is actually voiced, in seconds, in a recording made by `espeakWithPauses`. */
export interface Voiced {
  readonly start: number;
  readonly end: number;
}

/**
 * Speaks each sentence with espeak-ng and joins them with `pauseSec` of silence; returns the raw samples and where
 * the voice is (the speech's own leading and trailing quiet counts as pause).
 */
export function espeakWithPauses(
  dir: string,
  sentences: readonly string[],
  pauseSec: number,
): { samples: Int16Array; voiced: Voiced[] } {
  const parts: Int16Array[] = [];
  const voiced: Voiced[] = [];
  let at = 0;
  sentences.forEach((s, i) => {
    const wav = path.join(dir, `say-${i}.wav`);
    execFileSync('espeak-ng', ['-w', wav, s]);
    const pcm = decode16k(wav);
    let a = 0;
    let b = pcm.length - 1;
    while (a < b && Math.abs(pcm[a] ?? 0) < 300) a++;
    while (b > a && Math.abs(pcm[b] ?? 0) < 300) b--;
    voiced.push({ start: (at + a) / 16000, end: (at + b) / 16000 });
    parts.push(pcm);
    at += pcm.length;
    const gap = new Int16Array(Math.round(pauseSec * 16000));
    parts.push(gap);
    at += gap.length;
  });
  const samples = new Int16Array(at);
  let o = 0;
  for (const p of parts) {
    samples.set(p, o);
    o += p.length;
  }
  return { samples, voiced };
}

export function readText(file: string): string {
  return readFileSync(file, 'utf8').trim();
}
