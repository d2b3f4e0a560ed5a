// Where to cut a long recording: bounded chunks whose boundaries fall in the silences voice-activity detection found.

export interface AudioChunk {
  readonly index: number;
  /** Seconds from the start of the recording. */
  readonly start: number;
  readonly end: number;
  /** Whether any window in the chunk is speech; silent chunks are not sent to an engine. */
  readonly speech: boolean;
  /** True when no silence lay within reach and the cut fell at the quietest point instead. */
  readonly forced: boolean;
}

export interface ChunkPlanOptions {
  /** Longest chunk in seconds. */
  readonly maxChunkSec: number;
  /** Shortest chunk (except the last) in seconds: a cut is searched in [min, max] after the chunk's start. */
  readonly minChunkSec?: number;
  /** Speech probability at or above which a window is speech (Silero's own default). */
  readonly threshold?: number;
}

export const DefaultChunkPlanOptions = { threshold: 0.5 } as const satisfies Partial<ChunkPlanOptions>;

/**
 * Plans chunks over `probs` (one speech probability per `windowSec`). Each cut goes to the middle of the best silent
 * run between min and max length — longer silences first (up to a second, beyond which all are equally safe), later
 * ones on ties so chunks stay long — so no word is split and no audio is covered twice.
 */
export function planChunks(
  probs: Float32Array,
  windowSec: number,
  durationSec: number,
  options: ChunkPlanOptions,
): AudioChunk[] {
  const maxSec = options.maxChunkSec;
  if (!(maxSec > 0)) throw new RangeError(`maxChunkSec must be positive, received ${maxSec}`);
  const minSec = Math.min(options.minChunkSec ?? maxSec / 2, maxSec);
  const threshold = options.threshold ?? DefaultChunkPlanOptions.threshold;
  // Hysteresis as in Silero's own splitter: a window is silent only well below the speech threshold.
  const silentBelow = Math.max(0.01, threshold - 0.15);
  const prob = (i: number): number => probs[i] ?? 0;
  const chunks: { start: number; end: number; forced: boolean }[] = [];
  let start = 0;
  while (durationSec - start > maxSec) {
    const lo = Math.ceil((start + minSec) / windowSec);
    const hi = Math.min(Math.floor((start + maxSec) / windowSec), probs.length) - 1;
    let best: { score: number; cut: number } | null = null;
    let quietest = { p: Infinity, at: hi };
    let runStart = -1;
    for (let i = lo; i <= hi + 1; i++) {
      const silent = i <= hi && prob(i) < silentBelow;
      if (i <= hi && prob(i) < quietest.p) quietest = { p: prob(i), at: i };
      if (silent && runStart < 0) runStart = i;
      if (!silent && runStart >= 0) {
        const len = (i - runStart) * windowSec;
        const mid = ((runStart + i) / 2) * windowSec;
        const score = Math.min(len, 1) + (0.1 * (mid - start)) / maxSec;
        if (best === null || score >= best.score) best = { score, cut: mid };
        runStart = -1;
      }
    }
    const forced = best === null;
    let cut = best !== null ? best.cut : (quietest.at + 0.5) * windowSec;
    if (!(cut > start) || cut > start + maxSec) cut = start + maxSec;
    chunks.push({ start, end: cut, forced });
    start = cut;
  }
  if (durationSec > start || chunks.length === 0) chunks.push({ start, end: durationSec, forced: false });
  return chunks.map((c, index) => {
    const a = Math.floor(c.start / windowSec);
    const b = Math.min(Math.ceil(c.end / windowSec), probs.length);
    let speech = false;
    for (let i = a; i < b && !speech; i++) speech = prob(i) >= threshold;
    return { index, start: round3(c.start), end: round3(c.end), speech, forced: c.forced };
  });
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
