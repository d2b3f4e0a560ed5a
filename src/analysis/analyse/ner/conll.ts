// CoNLL-2003 files and entity-level scoring: sentences of (token, BIO tag), entities as exact spans with types.

export const ENTITY_TYPES = ['PER', 'ORG', 'LOC', 'MISC'] as const;
export type NerType = (typeof ENTITY_TYPES)[number];
/** BIO labels in a fixed order; the model's weight rows follow it. */
export const LABELS = ['O', ...ENTITY_TYPES.flatMap((t) => [`B-${t}`, `I-${t}`])] as const;

export interface ConllSentence {
  readonly tokens: readonly string[];
  readonly tags: readonly string[];
  /** Index of the document (a `-DOCSTART-` block) the sentence belongs to. */
  readonly doc: number;
}

/** Parses a CoNLL file (token first column, tag last); IOB1 tags are converted to BIO. */
export function parseConll(text: string): ConllSentence[] {
  const out: ConllSentence[] = [];
  let tokens: string[] = [];
  let tags: string[] = [];
  let doc = 0;
  const flush = (): void => {
    if (tokens.length > 0) out.push({ tokens, tags: toBio(tags), doc });
    tokens = [];
    tags = [];
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') {
      flush();
      continue;
    }
    const cols = line.split(/\s+/);
    if (cols[0] === '-DOCSTART-') {
      flush();
      doc++;
      continue;
    }
    tokens.push(cols[0]!);
    tags.push(cols[cols.length - 1]!);
  }
  flush();
  return out;
}

/** IOB1 ("I-X" may open an entity) → BIO ("B-X" always opens one). */
export function toBio(tags: readonly string[]): string[] {
  return tags.map((t, i) => {
    if (!t.startsWith('I-')) return t;
    const prev = tags[i - 1];
    return prev === undefined || prev === 'O' || prev.slice(2) !== t.slice(2) ? `B-${t.slice(2)}` : t;
  });
}

export interface EntitySpan {
  /** Token range, end exclusive. */
  readonly start: number;
  readonly end: number;
  readonly type: string;
}

/** Entities from BIO tags; a stray I- opens an entity (as conlleval does). */
export function entitiesOf(tags: readonly string[]): EntitySpan[] {
  const out: EntitySpan[] = [];
  let open: { start: number; type: string } | null = null;
  const close = (end: number): void => {
    if (open !== null) out.push({ start: open.start, end, type: open.type });
    open = null;
  };
  tags.forEach((t, i) => {
    if (t === 'O') return close(i);
    const [prefix, type] = [t.slice(0, 1), t.slice(2)];
    if (prefix === 'B' || open === null || open.type !== type) {
      close(i);
      open = { start: i, type };
    }
  });
  close(tags.length);
  return out;
}

export interface Prf {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly gold: number;
  readonly predicted: number;
  readonly correct: number;
}

const prf = (correct: number, predicted: number, gold: number): Prf => {
  const precision = predicted === 0 ? 0 : correct / predicted;
  const recall = gold === 0 ? 0 : correct / gold;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, gold, predicted, correct };
};

/** Entity-level P/R/F1 (exact span and type), overall and per type. */
export function scoreEntities(
  gold: readonly (readonly string[])[],
  predicted: readonly (readonly string[])[],
): { overall: Prf; byType: Record<string, Prf> } {
  const counts = new Map<string, { c: number; p: number; g: number }>();
  const bump = (type: string, key: 'c' | 'p' | 'g'): void => {
    for (const k of [type, '*']) {
      const e = counts.get(k) ?? { c: 0, p: 0, g: 0 };
      e[key]++;
      counts.set(k, e);
    }
  };
  gold.forEach((g, i) => {
    const ge = entitiesOf(g);
    const pe = entitiesOf(predicted[i] ?? []);
    const key = (e: EntitySpan): string => `${e.start}:${e.end}:${e.type}`;
    const gs = new Set(ge.map(key));
    for (const e of ge) bump(e.type, 'g');
    for (const e of pe) {
      bump(e.type, 'p');
      if (gs.has(key(e))) bump(e.type, 'c');
    }
  });
  const byType: Record<string, Prf> = {};
  for (const [k, v] of counts) if (k !== '*') byType[k] = prf(v.c, v.p, v.g);
  const all = counts.get('*') ?? { c: 0, p: 0, g: 0 };
  return { overall: prf(all.c, all.p, all.g), byType };
}
