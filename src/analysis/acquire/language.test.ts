import { describe, expect, it } from 'vitest';
import { detectLanguage, toIso6391 } from './language.js';

describe('toIso6391', () => {
  it.each([
    ['en-US', 'en'],
    ['en_GB', 'en'],
    ['EN', 'en'],
    ['fra', 'fr'],
    ['fre', 'fr'],
    ['ger', 'de'],
    ['cmn', 'zh'],
    ['zh-Hans-CN', 'zh'],
    ['xx', null],
    ['', null],
    [null, null],
    ['english', null],
  ] as const)('%s → %s', (tag, code) => {
    expect(toIso6391(tag)).toBe(code);
  });
});

describe('detectLanguage', () => {
  it('detects German, French and Chinese prose', () => {
    expect(
      detectLanguage(
        'Die Bundesregierung hat am Mittwoch einen Gesetzentwurf beschlossen, der die Rechte der Verbraucher stärken soll und neue Pflichten für Unternehmen vorsieht.',
      ),
    ).toBe('de');
    expect(
      detectLanguage(
        "Le projet de loi sur le renseignement a été massivement approuvé mardi par les députés de l'Assemblée nationale, malgré les critiques.",
      ),
    ).toBe('fr');
    expect(
      detectLanguage(
        '人工智能迈上新台阶，谷歌旗下的DeepMind公司开发的新型电脑已经可以利用记忆自学，这是人工智能领域的重要进展。研究人员表示这一成果意义重大。',
      ),
    ).toBe('zh');
  });
  it('says null rather than guess on a few words', () => {
    expect(detectLanguage('OK, thanks!')).toBeNull();
  });
});
