// RFC-4180 CSV parsing and the CLEF CheckThat! 2019 Task 1 row format built on it.

/**
 * Parses RFC-4180 CSV: fields separated by commas, records by CRLF or LF; a quoted field may hold commas, line
 * breaks and doubled quotes (`""` → `"`). A trailing line break does not produce an empty record.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let inQuotes = false;
  let fieldStarted = false;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const n = src.length;
  for (let i = 0; i < n; i++) {
    const c = src[i];
    if (inQuotes) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += c;
      }
      continue;
    }
    if (c === '"' && !fieldStarted) {
      inQuotes = true;
      fieldStarted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
      fieldStarted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      fieldStarted = false;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (fieldStarted || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

/** One sentence of a CT19 Task 1 file. */
export interface Ct19Row {
  readonly lineNumber: number;
  readonly speaker: string;
  readonly text: string;
  readonly label: 0 | 1;
  readonly fileName: string;
}

/** One debate or speech: its sentences in transcript order. */
export interface Ct19Document {
  readonly fileName: string;
  readonly rows: readonly Ct19Row[];
}

const REQUIRED_COLUMNS = ['line_number', 'speaker', 'text', 'label', 'file_name'] as const;

/** Reads a CT19 Task 1 CSV (header `line_number,speaker,text,label,file_name`, in any column order). */
export function readCt19Csv(text: string): Ct19Row[] {
  const records = parseCsv(text);
  const header = records[0];
  if (header === undefined) throw new Error('CT19 CSV is empty');
  const col = new Map(header.map((name, i) => [name.trim(), i] as const));
  const idx = REQUIRED_COLUMNS.map((name) => {
    const i = col.get(name);
    if (i === undefined) throw new Error(`CT19 CSV lacks the column "${name}"`);
    return i;
  });
  const [iLine, iSpeaker, iText, iLabel, iFile] = idx as [number, number, number, number, number];
  const rows: Ct19Row[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r];
    if (rec === undefined || (rec.length === 1 && rec[0] === '')) continue;
    const label = (rec[iLabel] ?? '').trim();
    if (label !== '0' && label !== '1') {
      throw new Error(`CT19 CSV record ${r + 1} has label "${label}", expected 0 or 1`);
    }
    rows.push({
      lineNumber: Number(rec[iLine] ?? ''),
      speaker: rec[iSpeaker] ?? '',
      text: rec[iText] ?? '',
      label: label === '1' ? 1 : 0,
      fileName: rec[iFile] ?? '',
    });
  }
  return rows;
}

/** Groups rows by file name, keeping first-seen file order and line order within each file. */
export function groupCt19Documents(rows: readonly Ct19Row[]): Ct19Document[] {
  const byFile = new Map<string, Ct19Row[]>();
  for (const row of rows) {
    let list = byFile.get(row.fileName);
    if (list === undefined) {
      list = [];
      byFile.set(row.fileName, list);
    }
    list.push(row);
  }
  return [...byFile].map(([fileName, list]) => ({
    fileName,
    rows: [...list].sort((a, b) => a.lineNumber - b.lineNumber),
  }));
}
