import { describe, expect, it } from 'vitest';
import { markdownToText, normalizePlainText } from './text.js';

describe('markdownToText', () => {
  it('strips syntax and keeps the words', () => {
    const md = [
      '---',
      'title: "Front matter title"',
      '---',
      '# Heading *one*',
      '',
      'Some **bold**, _italic_ and `code` with a [link](https://example.com) and ![alt text](img.png).',
      '',
      '- item one',
      '2. item two',
      '> quoted line',
      '',
      '```ts',
      'const x = 1;',
      '```',
      '',
      '| a | b |',
      '|---|---|',
      '| 1 | 2 |',
      '',
      '***',
      '[ref]: https://example.com',
      'snake_case_name stays',
    ].join('\n');
    const { text, title } = markdownToText(md);
    expect(title).toBe('Front matter title');
    expect(text).toBe(
      [
        'Heading one',
        '',
        'Some bold, italic and code with a link and alt text.',
        '',
        'item one',
        'item two',
        'quoted line',
        '',
        'const x = 1;',
        '',
        'a \u2014 b',
        '1 \u2014 2',
        '',
        'snake_case_name stays',
      ].join('\n'),
    );
  });

  it('takes the first level-1 heading (ATX or setext) as the title', () => {
    expect(markdownToText('Intro\n\n# Real title\n\ntext').title).toBe('Real title');
    expect(markdownToText('Setext title\n===\n\nbody').title).toBe('Setext title');
  });
});

describe('normalizePlainText', () => {
  it('normalises line endings, strips control characters and the BOM, keeps words', () => {
    expect(normalizePlainText('\ufeffa\r\nb\u0007\r\n\r\n\r\n\r\nc  ')).toBe('a\nb\n\nc');
  });
});
