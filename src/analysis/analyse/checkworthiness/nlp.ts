// Token-level linguistic analysis of one sentence (wink-nlp): the raw material of the check-worthiness features.
import winkNLP from 'wink-nlp';
import type { ItsFunction, WinkMethods } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

/** What the feature extractor needs to know about one sentence; parallel arrays, one entry per token. */
export interface SentenceAnalysis {
  /** Lower-cased token text. */
  readonly tokens: readonly string[];
  readonly lemmas: readonly string[];
  /** Universal POS tags (NOUN, VERB, ADJ, NUM, PROPN, …). */
  readonly pos: readonly string[];
  /** wink token types (word, number, punctuation, currency, …). */
  readonly types: readonly string[];
  /** Whether the token lies in the scope of a negation. */
  readonly negated: readonly boolean[];
  /** Named-entity types found in the sentence (DATE, CARDINAL, PERCENT, MONEY, …), in order. */
  readonly entities: readonly string[];
}

/** Analyses sentences one at a time; the wink instance is created once and reused. */
export class SentenceAnalyser {
  readonly #nlp: WinkMethods;

  constructor(nlp?: WinkMethods) {
    this.#nlp = nlp ?? winkNLP(model, ['sbd', 'pos', 'ner', 'negation']);
  }

  analyse(text: string): SentenceAnalysis {
    const its = this.#nlp.its;
    const doc = this.#nlp.readDoc(text);
    const toks = doc.tokens();
    const normals = toks.out(its.normal) as string[];
    const lemmas = toks.out(its.lemma as unknown as ItsFunction<string>) as string[];
    const pos = toks.out(its.pos) as string[];
    const types = toks.out(its.type) as string[];
    const negated = toks.out(its.negationFlag) as unknown as boolean[];
    const entities = doc.entities().out(its.type) as string[];
    return { tokens: normals, lemmas, pos, types, negated, entities };
  }
}
