import { readFileSync, readdirSync } from 'node:fs';
import { bodyToFields } from './dist/src/analysis/acquire/body.js';
import { DefaultBodyLimits } from './dist/src/analysis/acquire/budget.js';
import { parseGeneric } from './dist/src/analysis/analyse/document.js';
import { Analyser } from './dist/src/analysis/analyse/analyser.js';
const text = (d) => { const r = bodyToFields({ bytes: readFileSync(`../shared/corpus/articles/${d}/source.html`), kind: 'html', contentType: 'text/html', name: 'x', headerLanguage: null, limits: DefaultBodyLimits }); return r.value.fields.text; };
const fr = text('lemonde-1'), zh = text('qq');
const rep = (t, n) => { let s = ''; while (s.length < n) s += t + '\n\n'; return s.slice(0, n); };
for (const n of [180_000, 360_000, 720_000]) {
  for (const [l, t] of [['fr', fr], ['zh', zh]]) {
    const s = rep(t, n); const t0 = performance.now();
    const d = parseGeneric(s, l, { segments: null, lineBreaksEndSentences: true });
    console.log('parseGeneric', l, n, d.sentences.length, (performance.now() - t0).toFixed(0) + 'ms');
  }
}
const single = 'a'.repeat(1_000_000); let t0 = performance.now(); parseGeneric(single, 'de', { segments: null, lineBreaksEndSentences: true }); console.log('1MB single line', (performance.now()-t0).toFixed(0)+'ms');
const en = readdirSync('../shared/corpus/articles').map(text).join('\n\n');
const a = new Analyser();
for (const n of [100_000, 200_000, 400_000]) for (const depth of ['standard', 'deep']) {
  const c = { kind: 'text', source: 'x', finalUrl: 'x', title: null, byline: null, siteName: null, publishedTime: null, language: 'en', text: rep(en, n), segments: null, media: null, notes: [], contentHash: 'x', fetchedAt: 0 };
  const t = performance.now(); a.analyse(c, { depth, llmConfigured: false }); console.log('analyse en', depth, n, (performance.now() - t).toFixed(0) + 'ms', (process.memoryUsage().rss/1e6).toFixed(0)+'MB');
}
