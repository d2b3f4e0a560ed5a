import { describe, expect, it } from 'vitest';
import { bodyToFields, prescanMarkup } from './body.js';
import { DefaultBodyLimits, type BodyLimits } from './budget.js';

const input = (
  text: string,
  kind: 'html' | 'text' | 'markdown' = 'html',
  limits: BodyLimits = DefaultBodyLimits,
) => ({
  bytes: Buffer.from(text, 'utf8'),
  kind,
  contentType: kind === 'html' ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
  name: '/x',
  headerLanguage: null,
  limits,
});

describe('prescanMarkup', () => {
  it('counts start tags and the nesting of elements whose end tag is mandatory', () => {
    expect(prescanMarkup('<div><div><p>a<p>b<p>c</div></div><span></span>')).toEqual({
      elements: 6,
      depth: 2,
    });
  });

  it('does not read script, style or comment contents as markup', () => {
    const js = `<script>${'if (a<b) x = 1; '.repeat(1_000)}</script><!-- ${'<div>'.repeat(500)} -->`;
    expect(prescanMarkup(`<html><body>${js}<div>text</div></body></html>`)).toEqual({
      elements: 4,
      depth: 1,
    });
  });
});

describe('bodyToFields budgets', () => {
  it('refuses nesting past the limit before parsing, with the depth and the limit in the message', () => {
    const r = bodyToFields(input(`<body>${'<div>'.repeat(5_000)}x${'</div>'.repeat(5_000)}</body>`));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'acquire.too_complex', retryable: false });
    expect(r.error.userMessage).toBe(
      'The page is too complex to read: its markup nests 5,000 levels deep, the limit is 128.',
    );
  });

  it('checks the parsed DOM too: nesting the pre-scan does not see (implied elements) is refused', () => {
    const limits = { ...DefaultBodyLimits, maxDomDepth: 20 };
    const r = bodyToFields(input(`<body>${'<table><tr><td>'.repeat(10)}x</body>`, 'html', limits));
    expect(r.ok ? null : r.error.code).toBe('acquire.too_complex');
  });

  it('refuses a text past the cap with its size and the limit', () => {
    const limits = { ...DefaultBodyLimits, maxTextChars: 1_000 };
    const r = bodyToFields(input('é'.repeat(600_000), 'text', limits));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('acquire.too_large');
    expect(r.error.userMessage).toMatch(
      /^The text is too large: 1\.1 MB \(600,000 characters\); the limit is 1,000 characters\./,
    );
  });

  it('extracts an ordinary page within the budgets', () => {
    const r = bodyToFields(
      input('<html lang="en"><body><article><p>Plain words here.</p></article></body></html>'),
    );
    expect(r.ok ? r.value.fields.text : r.error.code).toBe('Plain words here.');
  });
});
