import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { extractArticle } from '../acquire/html.js';
import type { AcquiredContent } from '../acquire/types.js';
import { isMissing } from '../report.js';
import { Analyser } from './analyser.js';

// A page shaped like the New York Times article of issue 12: a captioned photo with a credit, a dateline, a
// newsletter promo and an ad line around ordinary paragraphs.
const html = `<html lang="en"><head><title>Sudan</title></head><body><article>
<figure><img src="a.jpg"><figcaption class="caption"><span class="caption-text">United Nations peacekeepers at a refugee camp in Sudan on Monday, where aid groups work with officials every day.</span><span class="credit"><span>Credit</span><span>Ashraf Shazly/Agence France-Presse — Getty Images</span></span></figcaption></figure>
<p>LONDON — After nearly 20 years of hostile relations, the American government plans to lift trade sanctions on Sudan, officials said.</p>
<p>[What you need to know to start the day: Get New York Today in your inbox.]</p>
<p>Sudan is one of the poorest and most isolated countries in Africa, and the sanctions on Sudan have long shaped its economy.</p>
<p>Advertisement</p>
<p>The administration will announce a new Sudan strategy on Friday, allowing trade with the United States for the first time since the 1990s.</p>
<p>In return, Sudan will improve access for aid groups, stop supporting rebels and cooperate with American intelligence agents on sanctions.</p>
<p>Analysts said good relations with Sudan could strengthen moderate voices within the country and help aid groups reach refugees.</p>
</article></body></html>`;

function content(): AcquiredContent {
  const a = extractArticle(html);
  return {
    kind: 'article',
    source: 'https://example.org/sudan',
    finalUrl: 'https://example.org/sudan',
    title: a.title,
    byline: null,
    siteName: null,
    publishedTime: null,
    language: 'en',
    text: a.text,
    furniture: a.furniture,
    segments: null,
    media: null,
    notes: [],
    contentHash: createHash('sha256').update(a.text).digest('hex'),
    fetchedAt: 0,
  };
}

describe('furniture in the analysis', () => {
  it('keeps captions, credits, promos and ads in the text but out of summary, key points, claims and entities', () => {
    const c = content();
    expect(c.text).toContain('Credit Ashraf Shazly');
    expect(c.text).toContain('Advertisement');
    const out = new Analyser().analyse(c, { depth: 'deep', llmConfigured: false });
    const texts: string[] = [];
    for (const sec of [out.sections.summary, out.sections.keyPoints, out.sections.claims]) {
      if (sec !== undefined && !isMissing(sec)) texts.push(...sec.items.map((i) => i.text));
    }
    expect(texts.length).toBeGreaterThan(3);
    for (const t of texts) {
      expect(t).not.toMatch(/peacekeepers|Getty|inbox|Advertisement/);
      // The dateline is cut from the sentence it opens; the sentence itself stays.
      expect(t.startsWith('LONDON')).toBe(false);
    }
    expect(texts).toContain(
      'After nearly 20 years of hostile relations, the American government plans to lift trade sanctions on Sudan, officials said.',
    );
    const entities = isMissing(out.sections.entities) ? [] : out.sections.entities.items.map((e) => e.text);
    expect(entities).toContain('Sudan');
    expect(entities.join(' ')).not.toMatch(/Getty|Ashraf|Agence/);
  });
});
