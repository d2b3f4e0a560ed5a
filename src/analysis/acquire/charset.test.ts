import { describe, expect, it } from 'vitest';
import { charsetFromContentType, charsetFromMeta, decodeBody, looksBinary } from './charset.js';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

describe('charset detection', () => {
  it('reads charset from Content-Type, quoted or not', () => {
    expect(charsetFromContentType('text/html; charset="ISO-8859-1"')).toBe('ISO-8859-1');
    expect(charsetFromContentType('text/html;charset=utf-8')).toBe('utf-8');
    expect(charsetFromContentType('text/html')).toBeNull();
  });

  it('reads <meta charset> and http-equiv content', () => {
    expect(charsetFromMeta(bytes('<html><head><meta charset="windows-1251">'))).toBe('windows-1251');
    expect(
      charsetFromMeta(bytes('<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />')),
    ).toBe('gb2312');
  });
});

describe('decodeBody', () => {
  it('a BOM wins over every declaration', () => {
    const d = decodeBody(bytes([0xef, 0xbb, 0xbf], 'caf', [0xc3, 0xa9]), {
      contentType: 'text/plain; charset=iso-8859-1',
    });
    expect(d).toMatchObject({ text: 'café', encoding: 'utf-8', source: 'bom' });
  });

  it('decodes UTF-16LE with BOM', () => {
    const d = decodeBody(bytes([0xff, 0xfe], [0x68, 0, 0x69, 0]));
    expect(d.text).toBe('hi');
  });

  it('honours a legacy Content-Type charset for legacy bytes', () => {
    const d = decodeBody(bytes('caf', [0xe9]), { contentType: 'text/plain; charset=iso-8859-1' });
    expect(d).toMatchObject({ text: 'café', encoding: 'windows-1252', source: 'header' });
  });

  it('honours <meta charset> for windows-1251 bytes', () => {
    const d = decodeBody(bytes('<meta charset="windows-1251"><p>', [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), {
      html: true,
    });
    expect(d.text.endsWith('Привет')).toBe(true);
    expect(d.source).toBe('meta');
  });

  it('prefers UTF-8 when bytes are valid multi-byte UTF-8 despite a legacy declaration', () => {
    const d = decodeBody(Buffer.from('<meta charset="gb2312"><p>腾讯网 科技</p>', 'utf8'), { html: true });
    expect(d.text).toContain('腾讯网 科技');
    expect(d.source).toBe('utf8-valid');
  });

  it('decodes GBK bytes declared as gb2312', () => {
    const d = decodeBody(bytes([0xc4, 0xe3, 0xba, 0xc3]), { contentType: 'text/plain; charset=gb2312' });
    expect(d.text).toBe('你好');
  });

  it('replaces invalid UTF-8 without throwing and counts the damage', () => {
    const d = decodeBody(bytes('ok ', [0xc3, 0x28, 0xa0, 0xa1, 0xff], ' ok'), {
      contentType: 'text/plain; charset=utf-8',
    });
    expect(d.text.startsWith('ok ')).toBe(true);
    expect(d.replacements).toBeGreaterThan(0);
  });

  it('falls back to windows-1252 when undeclared bytes are not UTF-8', () => {
    const d = decodeBody(bytes('na', [0xef], 've'));
    expect(d.text).toBe('naïve');
  });

  it('an unknown charset label falls back instead of throwing', () => {
    expect(decodeBody(bytes('plain'), { contentType: 'text/plain; charset=x-klingon' }).text).toBe('plain');
  });
});

describe('looksBinary', () => {
  it('flags NUL bytes and control-heavy data, not text', () => {
    expect(looksBinary(bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]))).toBe(true);
    expect(looksBinary(bytes('<html>hello</html>'))).toBe(false);
    expect(looksBinary(bytes([0xff, 0xfe], [0x68, 0]))).toBe(false);
  });
});
