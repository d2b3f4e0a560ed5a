// Rhetoric lexicons written for this project: hedges, absolutes, loaded words and cue phrases of common fallacies.
// Phrases are in wink's normal form: lower case, contractions expanded ("do not", "it is", "you are").

export type RhetoricKind = 'hedge' | 'absolute' | 'loaded_language' | 'fallacy_cue';

export interface LexiconEntry {
  readonly kind: RhetoricKind;
  readonly words: readonly string[];
  /** For fallacy cues: which fallacy. */
  readonly detail: string | null;
  /** When set, the first word must carry this POS (e.g. "may" as an auxiliary, not the month). */
  readonly pos?: string;
}

const list = (kind: RhetoricKind, detail: string | null, phrases: string): LexiconEntry[] =>
  phrases
    .split('|')
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => {
      const [phrase, pos] = p.split('/');
      const entry = { kind, detail, words: phrase!.split(' ') };
      return pos === undefined ? entry : { ...entry, pos };
    });

export const LEXICON: readonly LexiconEntry[] = [
  ...list(
    'hedge',
    null,
    `might|perhaps|possibly|probably|maybe|apparently|seemingly|arguably|presumably|reportedly|allegedly|
     supposedly|conceivably|somewhat|it seems|seems to|seem to|appears to|appear to|i think|i believe|i guess|
     i suppose|i suspect|in my opinion|in my view|sort of|more or less|to some extent|to a certain extent|
     could be|may/AUX|likely|not sure|not certain|as far as i know|tend to|tends to|in a sense|so to speak|
     suggests that|it is possible|it is likely|it is unclear|unclear whether|roughly|approximately`.replace(
      /\n/g,
      '|',
    ),
  ),
  ...list(
    'absolute',
    null,
    `always|never|everyone|everybody|nobody|no one|nothing|everything|all the time|completely|totally|
     absolutely|entirely|undeniably|unquestionably|without a doubt|without exception|no doubt|100 percent|
     every single|each and every|none of them|certainly|definitely|guaranteed|impossible|forever|
     the only way|under no circumstances|in every case`.replace(/\n/g, '|'),
  ),
  ...list(
    'loaded_language',
    null,
    `disaster|disastrous|catastrophe|catastrophic|radical|radicals|extremist|extremists|crooked|corrupt|
     rigged|outrageous|shameful|disgraceful|disgusting|evil|traitor|traitors|treason|thug|thugs|horrible|
     pathetic|ridiculous|insane|lunatic|hoax|scam|witch hunt|fake news|propaganda|regime|invasion|slaughter|
     massacre|devastating|chaos|nightmare|tyranny|tyrant|elitist|elites|so-called|job-killing|death panels|
     war on|betray|betrayed|betrayal|liar|liars|lies/NOUN|incompetent|destroy|destroyed|destroying|
     scandal|bloodbath|carnage|menace|vile|sham|rip-off|ripped off|cronies|puppet`.replace(/\n/g, '|'),
  ),
  ...list(
    'fallacy_cue',
    'ad hominem',
    `hypocrite|idiot|moron|clown|loser|coward|stupid|he would say that|she would say that|look who is talking|
     coming from someone|what do you expect from|typical politician|you are a liar|he is a liar|she is a liar`.replace(
      /\n/g,
      '|',
    ),
  ),
  ...list(
    'fallacy_cue',
    'slippery slope',
    `slippery slope|next thing you know|before you know it|where does it end|where will it end|where does it stop|
     will lead to|would lead to|opens the door to|open the door to|open the floodgates|opens the floodgates|
     only a matter of time|inevitably lead|domino effect`.replace(/\n/g, '|'),
  ),
  ...list(
    'fallacy_cue',
    'false dilemma',
    `either you are|you are either|either we|there are only two|the only alternative|the only option|
     the only choice|no other choice|no other option|no middle ground|with us or against us|
     with us or with the`.replace(/\n/g, '|'),
  ),
  ...list(
    'fallacy_cue',
    'bandwagon',
    `everyone knows|everybody knows|everyone agrees|everybody agrees|most people agree|everyone is doing|
     everybody is doing|people are saying|many people say|many people are saying|a lot of people are saying|
     a lot of people say|join the millions|nobody believes|the american people know|the american people want|
     the american people agree`.replace(/\n/g, '|'),
  ),
  ...list(
    'fallacy_cue',
    'appeal to fear',
    `before it is too late|if we do not act|existential threat|will be destroyed|under attack|live in fear|
     be afraid|terrifying|nightmare scenario|threat to our way of life|we will lose our|will lose everything|
     our children will pay|they are coming for`.replace(/\n/g, '|'),
  ),
  ...list(
    'fallacy_cue',
    'appeal to authority',
    `experts say|experts agree|scientists say|scientists agree|studies show|study shows|research shows|
     doctors recommend|according to experts|trust me|believe me|as an expert|every expert|all the experts`.replace(
      /\n/g,
      '|',
    ),
  ),
  ...list(
    'fallacy_cue',
    'appeal to tradition',
    `always been done|the way it has always been|the way we have always|since time immemorial|as it always has`.replace(
      /\n/g,
      '|',
    ),
  ),
  ...list(
    'fallacy_cue',
    'straw man',
    `so what you are saying is|so you are saying|what they really want is|what he really wants is|
     what she really wants is|they want to take away|wants to take away`.replace(/\n/g, '|'),
  ),
  ...list(
    'fallacy_cue',
    'whataboutism',
    `what about|you did the same|but what about|and what about`.replace(/\n/g, '|'),
  ),
];

export interface LexiconIndex {
  /** Entries whose first word is `word`, longest phrase first so the most specific cue wins. */
  readonly byFirst: ReadonlyMap<string, readonly LexiconEntry[]>;
}

export function indexLexicon(entries: readonly LexiconEntry[] = LEXICON): LexiconIndex {
  const byFirst = new Map<string, LexiconEntry[]>();
  for (const e of entries) {
    const first = e.words[0]!;
    let l = byFirst.get(first);
    if (!l) byFirst.set(first, (l = []));
    l.push(e);
  }
  for (const l of byFirst.values()) l.sort((a, b) => b.words.length - a.words.length);
  return { byFirst };
}
