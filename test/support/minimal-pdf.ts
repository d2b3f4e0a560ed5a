// A minimal PDF writer for tests: text pages (Latin via Helvetica, any BMP script via a ToUnicode-mapped Type0 font)
// and image-only pages that stand in for a scan without a text layer.

export interface PdfPageSpec {
  /** Lines of text drawn top to bottom; none for an image-only page. */
  readonly lines?: readonly string[];
  /** Draws a grey image covering the page, as a scanner would. */
  readonly image?: boolean;
}

export interface PdfSpec {
  readonly pages: readonly PdfPageSpec[];
  /** Type0 font with a ToUnicode CMap: needed for text outside Latin-1. */
  readonly unicode?: boolean;
  readonly title?: string;
}

const escapeLiteral = (s: string): string => s.replace(/[\\()]/g, (c) => `\\${c}`);
const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

export function writePdf(spec: PdfSpec): Buffer {
  const objects: string[] = [];
  // Object numbers are 1-based; reserve slots so pages can reference the font and the page tree.
  const add = (body: string): number => {
    objects.push(body);
    return objects.length;
  };
  const catalog = add('');
  const pagesObj = add('');

  // Glyph table for the Type0 font: CID i+1 ↦ the i-th distinct character.
  const chars = [...new Set(spec.pages.flatMap((p) => [...(p.lines ?? []).join('')]))];
  const cid = new Map(chars.map((c, i) => [c, i + 1]));
  let fontObj: number;
  if (spec.unicode === true) {
    const cmap = [
      '/CIDInit /ProcSet findresource begin 12 dict begin begincmap',
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
      '/CMapName /Test-UCS def /CMapType 2 def',
      '1 begincodespacerange <0000> <FFFF> endcodespacerange',
      ...chunk(chars, 100).flatMap((group) => [
        `${group.length} beginbfchar`,
        ...group.map((c) => `<${hex4(cid.get(c)!)}> <${hex4(c.codePointAt(0)!)}>`),
        'endbfchar',
      ]),
      'endcmap CMapName currentdict /CMap defineresource pop end end',
    ].join('\n');
    const toUnicode = add(stream(cmap));
    const descriptor = add(
      '<< /Type /FontDescriptor /FontName /TestSans /Flags 32 /FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 900 /Descent -200 /CapHeight 700 /StemV 80 >>',
    );
    const descendant = add(
      `<< /Type /Font /Subtype /CIDFontType2 /BaseFont /TestSans /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor ${descriptor} 0 R /DW 600 /CIDToGIDMap /Identity >>`,
    );
    fontObj = add(
      `<< /Type /Font /Subtype /Type0 /BaseFont /TestSans /Encoding /Identity-H /DescendantFonts [${descendant} 0 R] /ToUnicode ${toUnicode} 0 R >>`,
    );
  } else {
    fontObj = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  }

  const pageRefs: number[] = [];
  for (const page of spec.pages) {
    const ops: string[] = [];
    let xobjects = '';
    if (page.image === true) {
      const pixels = Array.from({ length: 64 * 64 }, (_, i) => String.fromCharCode(96 + ((i * 7) % 64))).join(
        '',
      );
      const img = add(
        `<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length ${pixels.length} >>\nstream\n${pixels}\nendstream`,
      );
      xobjects = ` /XObject << /Im1 ${img} 0 R >>`;
      ops.push('q 612 0 0 792 0 0 cm /Im1 Do Q');
    }
    const lines = page.lines ?? [];
    if (lines.length > 0) {
      ops.push('BT /F1 12 Tf 14 TL 72 720 Td');
      for (const line of lines) {
        const shown =
          spec.unicode === true
            ? `<${[...line].map((c) => hex4(cid.get(c)!)).join('')}>`
            : `(${escapeLiteral(line)})`;
        ops.push(`${shown} Tj T*`);
      }
      ops.push('ET');
    }
    const content = add(stream(ops.join('\n')));
    pageRefs.push(
      add(
        `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 612 792] /Contents ${content} 0 R /Resources << /Font << /F1 ${fontObj} 0 R >>${xobjects} >> >>`,
      ),
    );
  }
  objects[pagesObj - 1] =
    `<< /Type /Pages /Kids [${pageRefs.map((r) => `${r} 0 R`).join(' ')}] /Count ${pageRefs.length} >>`;
  objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
  const info = spec.title === undefined ? null : add(`<< /Title (${escapeLiteral(spec.title)}) >>`);

  let out = '%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R${info === null ? '' : ` /Info ${info} 0 R`} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function stream(content: string): string {
  return `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
}

function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
