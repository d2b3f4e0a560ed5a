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

describe('markdownToText on pathological input', () => {
  // Each line here made an earlier pattern rescan the rest of the line from every opener (quadratic).
  it('strips what it can and keeps every word of 20,000 brackets and unclosed markers', () => {
    const md = [
      `# Title ${' '.repeat(50_000)}x ##`,
      '['.repeat(20_000),
      ' **x'.repeat(20_000),
      '[a](x '.repeat(10_000),
      '<a'.repeat(20_000),
      `keep ~~this${' '.repeat(30_000)}`,
    ].join('\n');
    const out = markdownToText(md);
    const lines = out.text.split('\n');
    expect(out.title).toBe(`Title ${' '.repeat(50_000)}x`);
    expect(lines[1]).toBe('['.repeat(20_000));
    expect(lines[2]).toBe(' **x'.repeat(20_000).trimEnd());
    expect(lines[3]).toBe('[a](x '.repeat(10_000).trimEnd());
    expect(lines[4]).toBe('<a'.repeat(20_000));
    expect(lines[5]).toBe('keep ~~this');
  });

  it('still strips well-formed links, emphasis and a closing heading run', () => {
    expect(markdownToText('# Head ##\n\n[a](x) [b](y) **c** *d* ~~e~~ <https://f.example>').text).toBe(
      'Head\n\na b c d e https://f.example',
    );
  });
});

describe('normalizePlainText on long blank runs', () => {
  it('trims trailing blanks of every line, however long the run', () => {
    expect(normalizePlainText(`a${' \t'.repeat(100_000)}\nb${' '.repeat(10)}x  `)).toBe(
      `a\nb${' '.repeat(10)}x`,
    );
  });
});
