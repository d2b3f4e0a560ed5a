// Rhetoric signals: lexicon phrases matched on wink's normalised tokens, each with its sentence and cue span.
import type { ParsedDocument } from './document.js';
import type { LexiconIndex, RhetoricKind } from './lexicon.js';

export interface RhetoricHit {
  readonly kind: RhetoricKind;
  readonly cue: string;
  readonly detail: string | null;
  readonly sentence: number;
  readonly start: number;
  readonly end: number;
}

/** Every lexicon hit in document order. At one position only the longest matching phrase counts. */
export function findRhetoric(doc: ParsedDocument, lexicon: LexiconIndex): RhetoricHit[] {
  const hits: RhetoricHit[] = [];
  const { tokens, text } = doc;
  for (const s of doc.sentences) {
    // Word tokens only, so punctuation between words breaks a phrase but a hyphen-split token does not.
    const idx: number[] = [];
    for (let i = s.tokenStart; i < s.tokenEnd; i++) if (tokens[i]!.word) idx.push(i);
    let k = 0;
    while (k < idx.length) {
      const first = tokens[idx[k]!]!;
      const entries = lexicon.byFirst.get(first.normal);
      let matched = 0;
      if (entries) {
        for (const e of entries) {
          if (e.pos !== undefined && first.pos !== e.pos) continue;
          if (k + e.words.length > idx.length) continue;
          let ok = true;
          for (let w = 1; w < e.words.length && ok; w++) ok = tokens[idx[k + w]!]!.normal === e.words[w];
          // Phrase words must be adjacent in the text: no punctuation in between.
          for (let w = 1; w < e.words.length && ok; w++) ok = idx[k + w]! === idx[k + w - 1]! + 1;
          if (!ok) continue;
          const start = first.start;
          const end = tokens[idx[k + e.words.length - 1]!]!.end;
          hits.push({
            kind: e.kind,
            cue: text.slice(start, end),
            detail: e.detail,
            sentence: s.index,
            start,
            end,
          });
          matched = e.words.length;
          break;
        }
      }
      k += Math.max(1, matched);
    }
  }
  return hits;
}
