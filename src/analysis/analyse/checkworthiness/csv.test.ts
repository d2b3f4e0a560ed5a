import { describe, expect, it } from 'vitest';
import { groupCt19Documents, parseCsv, readCt19Csv } from './csv.js';

describe('parseCsv', () => {
  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    const text = 'a,"b, with comma","say ""hi"", then",d\n1,"two\nlines","",x\n';
    expect(parseCsv(text)).toEqual([
      ['a', 'b, with comma', 'say "hi", then', 'd'],
      ['1', 'two\nlines', '', 'x'],
    ]);
  });

  it('accepts CRLF records, a byte-order mark, empty fields and no final line break', () => {
    expect(parseCsv('\uFEFFx,,z\r\n,"q"\r\nlast')).toEqual([['x', '', 'z'], ['', 'q'], ['last']]);
  });

  it('treats a quote in the middle of an unquoted field as a literal character', () => {
    expect(parseCsv('5" screen,ok\n')).toEqual([['5" screen', 'ok']]);
  });

  it('returns no record for empty input', () => {
    expect(parseCsv('')).toEqual([]);
  });
});

describe('readCt19Csv', () => {
  const header = 'line_number,speaker,text,label,file_name\n';

  it('reads CT19 rows, quoted text included', () => {
    const rows = readCt19Csv(
      header + '2,TRUMP,"We pay more, much more, than ""anyone"".",1,b.tsv\n1,HOLT,Good evening.,0,b.tsv\n',
    );
    expect(rows).toEqual([
      {
        lineNumber: 2,
        speaker: 'TRUMP',
        text: 'We pay more, much more, than "anyone".',
        label: 1,
        fileName: 'b.tsv',
      },
      { lineNumber: 1, speaker: 'HOLT', text: 'Good evening.', label: 0, fileName: 'b.tsv' },
    ]);
  });

  it('rejects a file without the label column, and a label other than 0 or 1', () => {
    expect(() => readCt19Csv('line_number,speaker,text,file_name\n1,A,b,c\n')).toThrow(/label/);
    expect(() => readCt19Csv(header + '1,A,text,2,f.tsv\n')).toThrow(/expected 0 or 1/);
  });

  it('groups rows into documents in first-seen order, sorted by line number', () => {
    const rows = readCt19Csv(header + '2,A,second,0,x.tsv\n1,B,other,0,y.tsv\n1,A,first,1,x.tsv\n');
    const docs = groupCt19Documents(rows);
    expect(docs.map((d) => d.fileName)).toEqual(['x.tsv', 'y.tsv']);
    expect(docs[0]?.rows.map((r) => r.text)).toEqual(['first', 'second']);
  });
});
