import { describe, expect, it } from 'vitest';
import { looksLikeSubtitles, parseCues, parseSubtitles, parseTimestamp } from './subtitles.js';

const sliceOf = (text: string, s: { charStart: number; charEnd: number }): string =>
  text.slice(s.charStart, s.charEnd);

describe('parseTimestamp', () => {
  it.each([
    ['00:00:01.500', 1.5],
    ['01:02:03.004', 3723.004],
    ['02:03.4', 123.4],
    ['00:00:05,250', 5.25],
    ['100:00:00.000', 360000],
  ])('%s → %d s', (text, seconds) => {
    expect(parseTimestamp(text)).toBeCloseTo(seconds, 6);
  });
  it('rejects garbage', () => {
    expect(parseTimestamp('1:2:3')).toBeNull();
    expect(parseTimestamp('abc')).toBeNull();
  });
});

describe('WebVTT', () => {
  const vtt = [
    'WEBVTT - a title',
    '',
    'NOTE this is a comment',
    'spanning lines',
    '',
    'STYLE',
    '::cue { color: red }',
    '',
    'intro',
    '00:00:00.000 --> 00:00:02.000 align:start position:10%',
    '<v Alice>Hello &amp; welcome</v>',
    '',
    '00:02.000 --> 00:04.500',
    '<i>Second</i> line',
    'continues here',
    '',
  ].join('\r\n');

  it('parses cues with settings, voices, entities and markup', () => {
    const cues = parseCues(vtt);
    expect(cues).toHaveLength(2);
    expect(cues[0]).toMatchObject({ start: 0, end: 2, speaker: 'Alice', lines: ['Hello & welcome'] });
    expect(cues[1]).toMatchObject({
      start: 2,
      end: 4.5,
      speaker: null,
      lines: ['Second line', 'continues here'],
    });
  });

  it('every segment offset indexes exactly its text in the joined text', () => {
    const { text, segments } = parseSubtitles(vtt);
    expect(text).toBe('Hello & welcome\nSecond line continues here');
    for (const s of segments) expect(sliceOf(text, s)).toBe(s.text);
  });

  it('dedupes YouTube-style rolling auto-captions', () => {
    const rolling = [
      'WEBVTT',
      'Kind: captions',
      'Language: en',
      '',
      '00:00:00.000 --> 00:00:02.000 align:start position:0%',
      ' ',
      'so<00:00:00.500><c> today</c><00:00:01.000><c> we</c>',
      '',
      '00:00:02.000 --> 00:00:02.010 align:start position:0%',
      'so today we',
      ' ',
      '',
      '00:00:02.010 --> 00:00:04.000 align:start position:0%',
      'so today we',
      'talk<00:00:02.500><c> about</c><00:00:03.000><c> captions</c>',
      '',
      '00:00:04.000 --> 00:00:04.010 align:start position:0%',
      'talk about captions',
      ' ',
      '',
      '00:00:04.010 --> 00:00:06.000 align:start position:0%',
      'talk about captions',
      'and more',
    ].join('\n');
    const { text, segments } = parseSubtitles(rolling);
    expect(text).toBe('so today we\ntalk about captions\nand more');
    expect(segments.map((s) => s.start)).toEqual([0, 2.01, 4.01]);
    for (const s of segments) expect(sliceOf(text, s)).toBe(s.text);
  });

  it('keeps only the new words of a line that grows across cues', () => {
    const growing =
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nhello\n\n00:00:01.000 --> 00:00:02.000\nhello world\n';
    expect(parseSubtitles(growing).text).toBe('hello\nworld');
  });

  it('skips malformed blocks instead of throwing', () => {
    const bad =
      'WEBVTT\n\n00:00:xx --> 00:00:01.000\nbroken\n\n00:00:01.000 --> 00:00:02.000\nfine\n\n-->\n\n';
    expect(parseSubtitles(bad).text).toBe('fine');
  });
});

describe('SRT', () => {
  const srt =
    '\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\n{\\an8}First <b>bold</b>\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nSecond\r\n';
  it('parses numbered cues with comma milliseconds and strips SSA overrides', () => {
    const { text, segments } = parseSubtitles(srt);
    expect(text).toBe('First bold\nSecond');
    expect(segments[0]).toMatchObject({ start: 1, end: 2.5, charStart: 0, charEnd: 10 });
    expect(segments[1]).toMatchObject({ start: 3, end: 4, charStart: 11, charEnd: 17 });
  });
  it('is recognised as subtitles from its content', () => {
    expect(looksLikeSubtitles(srt)).toBe(true);
    expect(looksLikeSubtitles('WEBVTT\n\n')).toBe(true);
    expect(looksLikeSubtitles('Just a text about WEBVTT files.')).toBe(false);
  });
});
