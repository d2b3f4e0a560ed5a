// Which sentences are page furniture: the ranked sections (summary, key points, claims, quotes, entities) skip them.
import { findTextFurniture, type FurnitureRange } from '../acquire/furniture.js';
import type { AcquiredContent } from '../acquire/types.js';
import type { ParsedDocument } from './document.js';

export interface FurnitureMask {
  /** The ranges in use, sorted and non-overlapping. */
  readonly ranges: readonly FurnitureRange[];
  /** Whether at least half of the sentence's characters are furniture. */
  isFurniture(sentence: number): boolean;
  /** Where the sentence starts once a furniture prefix ("LONDON — ") is skipped. */
  shownStart(sentence: number): number;
  /** Whether `offset` lies inside furniture. */
  covers(offset: number): boolean;
}

/** The content's furniture: what acquisition recognised, or text patterns for text stored without it. */
export function furnitureOf(content: AcquiredContent): readonly FurnitureRange[] {
  if (content.furniture !== undefined) return content.furniture;
  return content.kind === 'article' || content.kind === 'text' ? findTextFurniture(content.text) : [];
}

export function furnitureMask(doc: ParsedDocument, ranges: readonly FurnitureRange[]): FurnitureMask {
  const n = doc.sentences.length;
  const furniture = new Array<boolean>(n).fill(false);
  const shown = doc.sentences.map((s) => s.start);
  const rangeAt = (offset: number): number => {
    let lo = 0;
    let hi = ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid]!.end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  if (ranges.length > 0) {
    for (const s of doc.sentences) {
      let covered = 0;
      for (let r = rangeAt(s.start); r < ranges.length && ranges[r]!.start < s.end; r++)
        covered += Math.min(s.end, ranges[r]!.end) - Math.max(s.start, ranges[r]!.start);
      const visible = doc.text.slice(s.start, s.end).replace(/\s/g, '').length;
      if (covered * 2 >= Math.max(1, visible)) {
        furniture[s.index] = true;
        continue;
      }
      const first = ranges[rangeAt(s.start)];
      if (first !== undefined && first.start <= s.start && first.end < s.end) {
        let at = first.end;
        while (at < s.end && /\s/.test(doc.text[at]!)) at++;
        shown[s.index] = at;
      }
    }
  }
  return {
    ranges,
    isFurniture: (i) => furniture[i] === true,
    shownStart: (i) => shown[i] ?? doc.sentences[i]!.start,
    covers: (offset) => {
      const r = ranges[rangeAt(offset)];
      return r !== undefined && r.start <= offset && offset < r.end;
    },
  };
}
