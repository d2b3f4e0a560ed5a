// Language tags → ISO 639-1, and detection from the text itself when the markup says nothing.
import { franc } from 'franc-min';
import { iso6393, iso6393To1 } from 'iso-639-3';

const ISO6391 = new Set(Object.values(iso6393To1));
// ISO 639-2/B codes (`fre`, `ger`) map onto the same languages as their 639-3 (= 639-2/T) twins.
const FROM_639_2B = new Map(
  iso6393
    .filter((l) => l.iso6392B !== undefined && l.iso6391 !== undefined)
    .map((l) => [l.iso6392B, l.iso6391]),
);

// Individual languages franc reports whose ISO 639-1 code belongs to their macrolanguage.
const MACRO_639_1: Readonly<Record<string, string>> = {
  cmn: 'zh',
  arb: 'ar',
  pes: 'fa',
  swh: 'sw',
  uzn: 'uz',
  zlm: 'ms',
  npi: 'ne',
  azj: 'az',
  plt: 'mg',
  pbu: 'ps',
  koi: 'kv',
  qug: 'qu',
  fuv: 'ff',
  ekk: 'et',
  lvs: 'lv',
  khk: 'mn',
  ydd: 'yi',
  gaz: 'om',
};

/** `en-US`, `en_GB`, `EN`, `fra`, `zh-Hans-CN` → ISO 639-1 (`en`, `fr`, `zh`); unknown or malformed → null. */
export function toIso6391(tag: string | null | undefined): string | null {
  if (tag == null) return null;
  const primary =
    tag
      .trim()
      .toLowerCase()
      .split(/[-_\s,;]/)[0] ?? '';
  if (/^[a-z]{2}$/.test(primary)) return ISO6391.has(primary) ? primary : null;
  if (/^[a-z]{3}$/.test(primary))
    return iso6393To1[primary] ?? MACRO_639_1[primary] ?? FROM_639_2B.get(primary) ?? null;
  return null;
}

/** Below this many letters, trigram detection is a guess; better to say "unknown". */
const MIN_DETECTION_CHARS = 60;

/** Detects the language of `text` with franc-min (trigram model, ~80 languages); null when unsure. */
export function detectLanguage(text: string): string | null {
  const sample = text.slice(0, 20_000);
  if (sample.replace(/[\s\d\p{P}]/gu, '').length < MIN_DETECTION_CHARS) return null;
  const code = franc(sample, { minLength: MIN_DETECTION_CHARS });
  return code === 'und' ? null : toIso6391(code);
}
