// Long debate transcripts built from the CLEF CT19 check-worthiness file, for the analysis tests and benchmark.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AcquiredContent, TranscriptSegment } from '../../src/analysis/acquire/types.js';
import { textContent, transcriptOf } from './transcripts.js';
import { parseCsv } from '../../src/analysis/analyse/checkworthiness/csv.js';

export interface Ct19Transcript {
  readonly fileName: string;
  readonly content: AcquiredContent;
  /** The CSV's check-worthiness label per segment, in order. */
  readonly labels: readonly (0 | 1)[];
}

/** One transcript per debate/speech: rows grouped by file_name, speaker and text kept in order, one line each. */
export function loadCt19Transcripts(csvPath: string): Ct19Transcript[] {
  const rows = parseCsv(readFileSync(csvPath, 'utf8'));
  const header = rows[0] ?? [];
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`CT19 CSV lacks column ${name}`);
    return i;
  };
  const [cSpeaker, cText, cLabel, cFile] = [col('speaker'), col('text'), col('label'), col('file_name')];
  const byFile = new Map<string, { speaker: string; text: string; label: 0 | 1 }[]>();
  for (const r of rows.slice(1)) {
    const file = r[cFile];
    const text = r[cText]?.trim();
    if (file === undefined || text === undefined || text === '') continue;
    let list = byFile.get(file);
    if (!list) byFile.set(file, (list = []));
    list.push({ speaker: (r[cSpeaker] ?? '').trim(), text, label: r[cLabel] === '1' ? 1 : 0 });
  }
  return [...byFile.entries()].map(([fileName, lines]) => {
    const { text, segments } = transcriptOf(lines);
    const content = textContent(`ct19:${fileName}`, text, segments, { title: fileName });
    return { fileName, content, labels: lines.map((l) => l.label) };
  });
}

/** The first `words` words of a transcript (whole segments), for size-controlled runs. */
export function truncateTranscript(content: AcquiredContent, words: number): AcquiredContent {
  const segments: TranscriptSegment[] = [];
  let n = 0;
  for (const s of content.segments ?? []) {
    if (n >= words) break;
    segments.push(s);
    n += s.text.split(/\s+/).length;
  }
  const end = segments.length > 0 ? segments[segments.length - 1]!.charEnd : 0;
  const text = content.text.slice(0, end);
  return { ...content, text, segments, contentHash: createHash('sha256').update(text).digest('hex') };
}
