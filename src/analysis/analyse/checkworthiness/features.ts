// Feature extraction for check-worthiness: sentence cues, speaker role and context, hashed into one sparse vector.
import {
  ABSOLUTE,
  CAUSAL,
  CHANGE,
  COMPARISON,
  COURTESY,
  EVIDENCE,
  FUTURE,
  HEDGE,
  LIGHT,
  MODERATION,
  POLICY,
  QUANTITY,
  RECORD,
  SAYING,
  SUBJECTIVE,
} from './lexicons.js';
import type { SentenceAnalysis } from './nlp.js';

/** Bumped whenever the meaning of a feature changes: a model trained on another version is refused. */
export const FEATURE_SET_VERSION = 2;

// Named features, each at a fixed index ahead of the hashed space (DENSE_FEATURE_NAMES below gives the order).

/**
 * The named features in groups that model selection can switch off together: each name belongs to exactly one
 * group. The first groups describe the sentence alone; `speaker` comes from the speaker's turns over the whole
 * transcript; the last five place the sentence among its neighbours.
 */
export const DENSE_FEATURE_GROUPS = {
  length: ['bias', 'len_le3', 'len_le6', 'len_le10', 'len_le20', 'len_le35', 'len_gt35', 'len_log'],
  punctuation: ['question', 'exclamation', 'interrupted', 'bracketed'],
  numbers: ['has_number', 'number_count', 'has_percent', 'has_money', 'has_year', 'has_scale_word'],
  entities: [
    'ent_date',
    'ent_cardinal',
    'ent_ordinal',
    'ent_percent',
    'ent_money',
    'ent_duration',
    'ent_time',
    'ent_count',
  ],
  syntax: [
    'pos_noun',
    'pos_propn',
    'pos_verb',
    'pos_adj',
    'pos_adv',
    'pos_pron',
    'pos_num',
    'pos_aux',
    'pos_intj',
    'propn_count',
    'content_ratio',
    'superlative',
    'comparative',
    'negation',
    'past_tense',
    'pron_i',
    'pron_we',
    'pron_you',
    'pron_third',
  ],
  lexicon: [
    'lex_quantity',
    'lex_change',
    'lex_record',
    'lex_saying',
    'lex_causal',
    'lex_evidence',
    'lex_comparison',
    'lex_policy',
    'lex_hedge',
    'lex_future',
    'lex_courtesy',
    'lex_absolute',
    'lex_subjective',
    'lex_moderation',
  ],
  speaker: [
    'spk_unknown',
    'spk_share',
    'spk_question_ratio',
    'spk_mean_turn',
    'spk_top',
    'spk_moderator_like',
    'spk_nonspeech',
    'mod_has_number',
    'mod_lex_quantity',
    'mod_lex_policy',
    'mod_lex_record',
    'mod_ent_count',
    'mod_len_log',
  ],
  turn: ['turn_first', 'turn_last', 'turn_single', 'turn_pos', 'turn_len_log', 'answer_start'],
  position: ['doc_pos', 'doc_start'],
  topic: ['topic_mean', 'topic_max', 'question_overlap'],
  neighbours: [
    'prev_has_number',
    'prev_question',
    'prev_same_speaker',
    'prev_lex_policy',
    'prev_len_log',
    'next_has_number',
    'next_question',
    'next_same_speaker',
    'next_lex_policy',
    'next_len_log',
  ],
} as const;

export type DenseFeatureGroup = keyof typeof DENSE_FEATURE_GROUPS;
export type DenseFeatureName = (typeof DENSE_FEATURE_GROUPS)[DenseFeatureGroup][number];

/** Every named feature, in model order: the groups one after another (a model file's weights follow this order). */
export const DENSE_FEATURE_NAMES: readonly DenseFeatureName[] = Object.values(DENSE_FEATURE_GROUPS).flat();

const DENSE_INDEX: ReadonlyMap<string, number> = new Map(DENSE_FEATURE_NAMES.map((n, i) => [n, i]));
const DENSE_COUNT = DENSE_FEATURE_NAMES.length;

export const DENSE_FEATURE_GROUP_NAMES = Object.keys(DENSE_FEATURE_GROUPS) as DenseFeatureGroup[];

/** How a model's input space is laid out; stored in the model file and checked at load. */
export interface FeatureConfig {
  readonly featureSetVersion: number;
  readonly hashBits: number;
  readonly denseNames: readonly string[];
  /** Scales of the hashed namespaces relative to the named features (which lie in [0, 1]); 0 leaves one out. */
  readonly scales: FeatureScales;
  /** Groups of named features left out (always 0), by the names in DENSE_FEATURE_GROUPS. */
  readonly disabledGroups: readonly string[];
}

export interface FeatureScales {
  readonly word: number;
  readonly bigram: number;
  readonly posNgram: number;
  readonly contextWord: number;
}

export const DEFAULT_FEATURE_SCALES = {
  word: 0.5,
  bigram: 0.35,
  posNgram: 0.25,
  contextWord: 0.15,
} as const satisfies FeatureScales;

export function defaultFeatureConfig(
  hashBits = 17,
  scales: FeatureScales = DEFAULT_FEATURE_SCALES,
  disabledGroups: readonly DenseFeatureGroup[] = [],
): FeatureConfig {
  return {
    featureSetVersion: FEATURE_SET_VERSION,
    hashBits,
    denseNames: [...DENSE_FEATURE_NAMES],
    scales: { ...scales },
    disabledGroups: [...disabledGroups],
  };
}

/** Indices of the named features a config leaves out; an unknown group name is refused. */
export function disabledDenseIndices(config: FeatureConfig): Set<number> {
  const out = new Set<number>();
  for (const group of config.disabledGroups) {
    if (!Object.hasOwn(DENSE_FEATURE_GROUPS, group)) {
      throw new RangeError(`unknown feature group ${group}`);
    }
    for (const name of DENSE_FEATURE_GROUPS[group as DenseFeatureGroup])
      out.add(DENSE_INDEX.get(name) as number);
  }
  return out;
}

/** Total input dimension: named features followed by 2^hashBits hashed buckets. */
export function featureDimension(config: FeatureConfig): number {
  return DENSE_COUNT + 2 ** config.hashBits;
}

/** A sparse input vector; indices are unique. */
export interface SparseVector {
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

/** One sentence as given to the extractor. */
export interface SentenceInput {
  readonly text: string;
  readonly speaker: string | null;
}

/** FNV-1a over UTF-16 code units: fast, stable across runs and platforms. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

interface SentenceCues {
  readonly dense: Float64Array;
  readonly words: readonly string[];
  readonly content: readonly string[];
  readonly isQuestion: boolean;
  readonly hasNumber: boolean;
  readonly policy: number;
  readonly lenLog: number;
  readonly bracketed: boolean;
}

const YEAR = /^(1[89]|20)\d\d$/;
const DIGIT = /\d/;
const CONTENT_POS = new Set(['NOUN', 'PROPN', 'VERB', 'ADJ']);
const WORD_TYPES = new Set(['word', 'number', 'currency', 'symbol', 'hashtag', 'ordinal']);
const SCALE_WORDS = new Set([
  'million',
  'billion',
  'trillion',
  'thousand',
  'hundred',
  'millions',
  'billions',
]);
const FIRST_SINGULAR = new Set(['i', 'me', 'my', 'mine', 'myself']);
const FIRST_PLURAL = new Set(['we', 'us', 'our', 'ours', 'ourselves']);
const SECOND = new Set(['you', 'your', 'yours', 'yourself', 'yourselves']);
const THIRD = new Set(['he', 'she', 'him', 'her', 'his', 'hers', 'they', 'them', 'their', 'it']);
const PAST_AUX = new Set(['was', 'were', 'had', 'did']);
const COMPARATIVE_WORDS = new Set(['more', 'less', 'fewer', 'better', 'worse']);
const SUPERLATIVE_WORDS = new Set(['most', 'least', 'best', 'worst']);
const NOT_SUPERLATIVE = new Set(['interest', 'honest', 'best', 'rest', 'test', 'west', 'modest', 'latest']);

const capLog = (x: number, cap: number): number => Math.min(1, Math.log1p(x) / Math.log1p(cap));

function numberShape(token: string): string {
  return '#' + token.replace(/\d/g, 'd').slice(0, 6);
}

/** Per-sentence cues that do not depend on the neighbours. */
function sentenceCues(text: string, a: SentenceAnalysis): SentenceCues {
  const d = new Float64Array(DENSE_COUNT);
  const set = (name: DenseFeatureName, v: number): void => {
    d[DENSE_INDEX.get(name) as number] = v;
  };
  const words: string[] = [];
  const content: string[] = [];
  const posCount = new Map<string, number>();
  let numbers = 0;
  let percent = false;
  let money = false;
  let year = false;
  let scale = false;
  let superlative = false;
  let comparative = false;
  let negation = false;
  let past = false;
  let hasThan = false;
  let propn = 0;
  const lex = {
    quantity: 0,
    change: 0,
    record: 0,
    saying: 0,
    causal: 0,
    evidence: 0,
    comparison: 0,
    policy: 0,
    hedge: 0,
    future: 0,
    courtesy: 0,
    absolute: 0,
    subjective: 0,
    moderation: 0,
  };
  const n = a.tokens.length;
  for (let i = 0; i < n; i++) {
    const tok = a.tokens[i] ?? '';
    const lemma = (a.lemmas[i] ?? tok).toLowerCase();
    const pos = a.pos[i] ?? 'X';
    const type = a.types[i] ?? 'word';
    posCount.set(pos, (posCount.get(pos) ?? 0) + 1);
    if (a.negated[i] === true) negation = true;
    const isNumber = type === 'number' || (pos === 'NUM' && DIGIT.test(tok));
    if (isNumber) {
      numbers++;
      if (YEAR.test(tok)) year = true;
    }
    if (tok === '%' || tok === 'percent' || tok === 'percentage') percent = true;
    if (type === 'currency' || lemma === 'dollar' || tok === 'cents') money = true;
    if (SCALE_WORDS.has(tok)) scale = true;
    if (pos === 'PROPN') propn++;
    if (tok === 'than') hasThan = true;
    if (SUPERLATIVE_WORDS.has(tok)) superlative = true;
    if (
      (pos === 'ADJ' || pos === 'ADV') &&
      tok.length > 4 &&
      tok.endsWith('est') &&
      !NOT_SUPERLATIVE.has(tok)
    ) {
      superlative = true;
    }
    if (
      COMPARATIVE_WORDS.has(tok) ||
      ((pos === 'ADJ' || pos === 'ADV') && tok.endsWith('er') && tok.length > 4)
    ) {
      comparative = true;
    }
    if (PAST_AUX.has(tok) || (pos === 'VERB' && tok !== lemma && tok.endsWith('ed'))) past = true;
    if (FIRST_SINGULAR.has(tok)) set('pron_i', 1);
    if (FIRST_PLURAL.has(tok)) set('pron_we', 1);
    if (SECOND.has(tok)) set('pron_you', 1);
    if (THIRD.has(tok)) set('pron_third', 1);
    const inLex = (s: ReadonlySet<string>): boolean => s.has(lemma) || s.has(tok);
    if (inLex(QUANTITY)) lex.quantity++;
    if (inLex(CHANGE)) lex.change++;
    if (inLex(RECORD)) lex.record++;
    if (inLex(SAYING)) lex.saying++;
    if (inLex(CAUSAL)) lex.causal++;
    if (inLex(EVIDENCE)) lex.evidence++;
    if (inLex(COMPARISON)) lex.comparison++;
    if (inLex(POLICY)) lex.policy++;
    if (inLex(HEDGE)) lex.hedge++;
    if (inLex(FUTURE)) lex.future++;
    if (inLex(COURTESY)) lex.courtesy++;
    if (inLex(ABSOLUTE)) lex.absolute++;
    if (inLex(SUBJECTIVE)) lex.subjective++;
    if (inLex(MODERATION)) lex.moderation++;
    if (WORD_TYPES.has(type) && pos !== 'PUNCT') {
      words.push(isNumber ? numberShape(tok) : lemma);
      if (CONTENT_POS.has(pos) && lemma.length > 2 && !LIGHT.has(lemma) && !isNumber) content.push(lemma);
    }
  }
  const wc = words.length;
  set('bias', 1);
  set('len_le3', wc <= 3 ? 1 : 0);
  set('len_le6', wc > 3 && wc <= 6 ? 1 : 0);
  set('len_le10', wc > 6 && wc <= 10 ? 1 : 0);
  set('len_le20', wc > 10 && wc <= 20 ? 1 : 0);
  set('len_le35', wc > 20 && wc <= 35 ? 1 : 0);
  set('len_gt35', wc > 35 ? 1 : 0);
  const lenLog = capLog(wc, 60);
  set('len_log', lenLog);
  const trimmed = text.trim();
  const isQuestion = trimmed.endsWith('?');
  set('question', isQuestion ? 1 : 0);
  set('exclamation', trimmed.endsWith('!') ? 1 : 0);
  set('interrupted', /(\.\.\.|--|—|…)\s*$/.test(trimmed) || /^(\.\.\.|--|—|…)/.test(trimmed) ? 1 : 0);
  const bracketed = /^[([].*[)\]]$/.test(trimmed);
  set('bracketed', bracketed ? 1 : 0);
  set('has_number', numbers > 0 ? 1 : 0);
  set('number_count', capLog(numbers, 5));
  set('has_percent', percent ? 1 : 0);
  set('has_money', money ? 1 : 0);
  set('has_year', year ? 1 : 0);
  set('has_scale_word', scale ? 1 : 0);
  const ents = new Set(a.entities);
  set('ent_date', ents.has('DATE') ? 1 : 0);
  set('ent_cardinal', ents.has('CARDINAL') ? 1 : 0);
  set('ent_ordinal', ents.has('ORDINAL') ? 1 : 0);
  set('ent_percent', ents.has('PERCENT') ? 1 : 0);
  set('ent_money', ents.has('MONEY') ? 1 : 0);
  set('ent_duration', ents.has('DURATION') ? 1 : 0);
  set('ent_time', ents.has('TIME') ? 1 : 0);
  set('ent_count', capLog(a.entities.length, 5));
  const ratio = (pos: string): number => (n === 0 ? 0 : (posCount.get(pos) ?? 0) / n);
  set('pos_noun', ratio('NOUN'));
  set('pos_propn', ratio('PROPN'));
  set('pos_verb', ratio('VERB'));
  set('pos_adj', ratio('ADJ'));
  set('pos_adv', ratio('ADV'));
  set('pos_pron', ratio('PRON'));
  set('pos_num', ratio('NUM'));
  set('pos_aux', ratio('AUX'));
  set('pos_intj', ratio('INTJ'));
  set('propn_count', capLog(propn, 6));
  set('content_ratio', wc === 0 ? 0 : content.length / wc);
  set('superlative', superlative ? 1 : 0);
  set('comparative', comparative || (hasThan && lex.comparison > 0) ? 1 : 0);
  set('negation', negation ? 1 : 0);
  set('past_tense', past ? 1 : 0);
  const lexv = (c: number): number => capLog(c, 3);
  set('lex_quantity', lexv(lex.quantity));
  set('lex_change', lexv(lex.change));
  set('lex_record', lexv(lex.record));
  set('lex_saying', lexv(lex.saying));
  set('lex_causal', lexv(lex.causal));
  set('lex_evidence', lexv(lex.evidence));
  set('lex_comparison', lexv(lex.comparison));
  set('lex_policy', lexv(lex.policy));
  set('lex_hedge', lexv(lex.hedge));
  set('lex_future', lexv(lex.future));
  set('lex_courtesy', lexv(lex.courtesy));
  set('lex_absolute', lexv(lex.absolute));
  set('lex_subjective', lexv(lex.subjective));
  set('lex_moderation', lexv(lex.moderation));
  return {
    dense: d,
    words,
    content,
    isQuestion,
    hasNumber: numbers > 0,
    policy: lexv(lex.policy),
    lenLog,
    bracketed,
  };
}

interface SpeakerStats {
  readonly share: number;
  readonly questionRatio: number;
  readonly meanTurn: number;
  readonly nonSpeech: number;
  readonly top: boolean;
  readonly moderatorLike: boolean;
}

/**
 * Speaker roles derived from the transcript itself: a moderator asks many questions in short turns and speaks
 * a minority of the sentences; a main speaker holds the largest share.
 */
function speakerStats(
  inputs: readonly SentenceInput[],
  cues: readonly SentenceCues[],
): Map<string, SpeakerStats> {
  const acc = new Map<string, { n: number; q: number; turns: number; ns: number }>();
  let prev: string | null = null;
  inputs.forEach((s, i) => {
    const key = s.speaker;
    if (key === null) {
      prev = null;
      return;
    }
    let st = acc.get(key);
    if (st === undefined) {
      st = { n: 0, q: 0, turns: 0, ns: 0 };
      acc.set(key, st);
    }
    st.n++;
    const c = cues[i];
    if (c?.isQuestion === true) st.q++;
    if (c?.bracketed === true) st.ns++;
    if (prev !== key) st.turns++;
    prev = key;
  });
  const total = inputs.length;
  let topN = 0;
  for (const st of acc.values()) topN = Math.max(topN, st.n);
  const out = new Map<string, SpeakerStats>();
  for (const [key, st] of acc) {
    const share = st.n / total;
    const questionRatio = st.q / st.n;
    const meanTurn = st.n / Math.max(1, st.turns);
    out.set(key, {
      share,
      questionRatio,
      meanTurn,
      nonSpeech: st.ns / st.n,
      top: st.n === topN,
      moderatorLike: acc.size > 1 && st.n !== topN && questionRatio >= 0.12 && share < 0.3,
    });
  }
  return out;
}

/** Adds a hashed feature, summing values that fall into the same bucket. */
function addHashed(acc: Map<number, number>, key: string, value: number, mask: number): void {
  const idx = DENSE_COUNT + (hashString(key) & mask);
  acc.set(idx, (acc.get(idx) ?? 0) + value);
}

/**
 * Feature vectors for an ordered transcript. Context features (speaker role, turn position, neighbours, topic)
 * need the whole sequence, which is why the input is the full list.
 */
export function extractFeatures(
  inputs: readonly SentenceInput[],
  analyses: readonly SentenceAnalysis[],
  config: FeatureConfig,
): SparseVector[] {
  if (inputs.length !== analyses.length) {
    throw new RangeError(`inputs (${inputs.length}) and analyses (${analyses.length}) differ in length`);
  }
  const mask = 2 ** config.hashBits - 1;
  const {
    word: WORD_WEIGHT,
    bigram: BIGRAM_WEIGHT,
    posNgram: POS_NGRAM_WEIGHT,
    contextWord: CONTEXT_WORD_WEIGHT,
  } = config.scales;
  const disabled = disabledDenseIndices(config);
  const cues = inputs.map((s, i) => sentenceCues(s.text, analyses[i] as SentenceAnalysis));
  const speakers = speakerStats(inputs, cues);
  const docCounts = new Map<string, number>();
  for (const c of cues) for (const w of new Set(c.content)) docCounts.set(w, (docCounts.get(w) ?? 0) + 1);
  const n = inputs.length;

  // Turn boundaries: a turn is a maximal run of sentences by the same (known) speaker.
  const turnStart = new Int32Array(n);
  const turnEnd = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const sp = inputs[i]?.speaker ?? null;
    turnStart[i] = i > 0 && sp !== null && inputs[i - 1]?.speaker === sp ? (turnStart[i - 1] as number) : i;
  }
  for (let i = n - 1; i >= 0; i--) {
    const sp = inputs[i]?.speaker ?? null;
    turnEnd[i] = i < n - 1 && sp !== null && inputs[i + 1]?.speaker === sp ? (turnEnd[i + 1] as number) : i;
  }

  let lastQuestion = -1;
  const vectors: SparseVector[] = [];
  for (let i = 0; i < n; i++) {
    const c = cues[i] as SentenceCues;
    const input = inputs[i] as SentenceInput;
    const d = Float64Array.from(c.dense);
    const set = (name: DenseFeatureName, v: number): void => {
      d[DENSE_INDEX.get(name) as number] = v;
    };
    const st = input.speaker === null ? undefined : speakers.get(input.speaker);
    if (st === undefined) {
      set('spk_unknown', 1);
    } else {
      set('spk_share', st.share);
      set('spk_question_ratio', st.questionRatio);
      set('spk_mean_turn', capLog(st.meanTurn, 20));
      set('spk_top', st.top ? 1 : 0);
      set('spk_moderator_like', st.moderatorLike ? 1 : 0);
      set('spk_nonspeech', st.nonSpeech);
      // A moderator quoting a figure in a question is not making a claim: the content cues get a separate,
      // role-specific weight.
      if (st.moderatorLike) {
        const get = (name: DenseFeatureName): number => d[DENSE_INDEX.get(name) as number] as number;
        set('mod_has_number', get('has_number'));
        set('mod_lex_quantity', get('lex_quantity'));
        set('mod_lex_policy', get('lex_policy'));
        set('mod_lex_record', get('lex_record'));
        set('mod_ent_count', get('ent_count'));
        set('mod_len_log', get('len_log'));
      }
    }
    const ts = turnStart[i] as number;
    const te = turnEnd[i] as number;
    const turnLen = te - ts + 1;
    set('turn_first', i === ts ? 1 : 0);
    set('turn_last', i === te ? 1 : 0);
    set('turn_single', turnLen === 1 ? 1 : 0);
    set('turn_pos', turnLen === 1 ? 0 : (i - ts) / (turnLen - 1));
    set('turn_len_log', capLog(turnLen, 30));
    const prevIn = i > 0 ? inputs[i - 1] : undefined;
    const prevC = i > 0 ? cues[i - 1] : undefined;
    const nextIn = i < n - 1 ? inputs[i + 1] : undefined;
    const nextC = i < n - 1 ? cues[i + 1] : undefined;
    const same = (o: SentenceInput | undefined): boolean =>
      o !== undefined && input.speaker !== null && o.speaker === input.speaker;
    set('answer_start', i === ts && prevC?.isQuestion === true && !same(prevIn) ? 1 : 0);
    set('doc_pos', n <= 1 ? 0 : i / (n - 1));
    set('doc_start', i < Math.max(3, n * 0.03) ? 1 : 0);

    // Topic: how much the sentence speaks of what the whole transcript keeps returning to.
    let topicSum = 0;
    let topicMax = 0;
    const own = new Set(c.content);
    for (const w of own) {
      const others = (docCounts.get(w) ?? 1) - 1;
      const sal = capLog(others, 30);
      topicSum += sal;
      topicMax = Math.max(topicMax, sal);
    }
    set('topic_mean', own.size === 0 ? 0 : topicSum / own.size);
    set('topic_max', topicMax);
    if (lastQuestion >= 0 && i - lastQuestion <= 30 && inputs[lastQuestion]?.speaker !== input.speaker) {
      const q = new Set(cues[lastQuestion]?.content ?? []);
      let overlap = 0;
      for (const w of own) if (q.has(w)) overlap++;
      set('question_overlap', own.size === 0 ? 0 : overlap / own.size);
    }
    if (c.isQuestion) lastQuestion = i;

    if (prevC !== undefined) {
      set('prev_has_number', prevC.hasNumber ? 1 : 0);
      set('prev_question', prevC.isQuestion ? 1 : 0);
      set('prev_same_speaker', same(prevIn) ? 1 : 0);
      set('prev_lex_policy', prevC.policy);
      set('prev_len_log', prevC.lenLog);
    }
    if (nextC !== undefined) {
      set('next_has_number', nextC.hasNumber ? 1 : 0);
      set('next_question', nextC.isQuestion ? 1 : 0);
      set('next_same_speaker', same(nextIn) ? 1 : 0);
      set('next_lex_policy', nextC.policy);
      set('next_len_log', nextC.lenLog);
    }

    for (const k of disabled) d[k] = 0;

    const hashed = new Map<number, number>();
    const a = analyses[i] as SentenceAnalysis;
    const words = c.words;
    const wn = 1 / Math.sqrt(Math.max(1, words.length));
    // A namespace scaled to 0 is left out entirely (no zero entries in the sparse vector).
    if (WORD_WEIGHT > 0) for (const w of words) addHashed(hashed, 'w:' + w, WORD_WEIGHT * wn, mask);
    for (let k = 0; BIGRAM_WEIGHT > 0 && k <= words.length; k++) {
      addHashed(
        hashed,
        'b:' + (words[k - 1] ?? '<s>') + ' ' + (words[k] ?? '</s>'),
        BIGRAM_WEIGHT * wn,
        mask,
      );
    }
    const pos = a.pos;
    const pn = 1 / Math.sqrt(Math.max(1, pos.length));
    for (let k = 0; POS_NGRAM_WEIGHT > 0 && k <= pos.length; k++) {
      const p0 = pos[k - 1] ?? '<s>';
      const p1 = pos[k] ?? '</s>';
      addHashed(hashed, 'p:' + p0 + ' ' + p1, POS_NGRAM_WEIGHT * pn, mask);
      if (k < pos.length)
        addHashed(hashed, 'q:' + p0 + ' ' + p1 + ' ' + (pos[k + 1] ?? '</s>'), POS_NGRAM_WEIGHT * pn, mask);
    }
    if (prevC !== undefined && CONTEXT_WORD_WEIGHT > 0) {
      const cn = 1 / Math.sqrt(Math.max(1, prevC.content.length));
      for (const w of new Set(prevC.content)) addHashed(hashed, 'pw:' + w, CONTEXT_WORD_WEIGHT * cn, mask);
    }
    if (nextC !== undefined && CONTEXT_WORD_WEIGHT > 0) {
      const cn = 1 / Math.sqrt(Math.max(1, nextC.content.length));
      for (const w of new Set(nextC.content)) addHashed(hashed, 'nw:' + w, CONTEXT_WORD_WEIGHT * cn, mask);
    }

    let nnzDense = 0;
    for (let k = 0; k < DENSE_COUNT; k++) if (d[k] !== 0) nnzDense++;
    const indices = new Int32Array(nnzDense + hashed.size);
    const values = new Float32Array(nnzDense + hashed.size);
    let p = 0;
    for (let k = 0; k < DENSE_COUNT; k++) {
      const v = d[k] as number;
      if (v !== 0) {
        indices[p] = k;
        values[p] = v;
        p++;
      }
    }
    for (const [idx, v] of hashed) {
      indices[p] = idx;
      values[p] = v;
      p++;
    }
    vectors.push({ indices, values });
  }
  return vectors;
}
