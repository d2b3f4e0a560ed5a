// PDFs by URL and from a local file: text with page ranges, and every report item carrying the page it comes from.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReportSchema, type Span } from '../../src/analysis/report.js';
import { run } from '../../src/cli/analyze.js';
import { writePdf } from '../support/minimal-pdf.js';
import { signal, startServer, testAcquirer, type TestServer } from './helpers.js';

const PAGES = [
  [
    'The city council approved a new budget for public transport on Monday.',
    'The budget adds forty buses and extends night service on six routes.',
  ],
  [
    'Critics said the plan ignores cyclists and will cost twice as much as promised.',
    'The mayor replied that the numbers were checked by an independent auditor.',
  ],
  [
    'Construction of the first new depot begins in March and ends next year.',
    'Residents can comment on the routes until the end of the month.',
  ],
];
const pdf = writePdf({ title: 'Transport budget', pages: PAGES.map((lines) => ({ lines })) });

describe('PDF documents', () => {
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'autointel-docs-'));
    server = await startServer();
    server.route('/budget', (_q, s) => s.writeHead(200, { 'content-type': 'application/pdf' }).end(pdf));
    server.route('/download', (_q, s) =>
      s.writeHead(200, { 'content-type': 'application/octet-stream' }).end(pdf),
    );
    server.route('/scan.pdf', (_q, s) =>
      s.writeHead(200, { 'content-type': 'application/pdf' }).end(writePdf({ pages: [{ image: true }] })),
    );
  });
  afterAll(async () => {
    await server.close();
  });

  const acquirer = () => testAcquirer({ allowedEndpoints: [server.endpoint] });

  it('reads a PDF served as application/pdf, with one range per page', async () => {
    const r = await acquirer().acquire(`${server.origin}/budget`, { signal: signal() });
    if (!r.ok) throw r.error;
    expect(r.value.kind).toBe('document');
    expect(r.value.title).toBe('Transport budget');
    expect(r.value.language).toBe('en');
    expect(r.value.pages?.map((p) => p.page)).toEqual([1, 2, 3]);
    const page2 = r.value.pages![1]!;
    expect(r.value.text.slice(page2.charStart, page2.charEnd)).toBe(PAGES[1]!.join('\n'));
  });

  it('recognises a PDF served as octet-stream by its bytes', async () => {
    const r = await acquirer().acquire(`${server.origin}/download`, { signal: signal() });
    if (!r.ok) throw r.error;
    expect(r.value.kind).toBe('document');
  });

  it('refuses a scanned PDF saying it has no text layer', async () => {
    const r = await acquirer().acquire(`${server.origin}/scan.pdf`, { signal: signal() });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('acquire.no_text_layer');
  });

  it('reads a local PDF file (CLI)', async () => {
    const file = join(dir, 'budget.pdf');
    writeFileSync(file, pdf);
    const r = await testAcquirer({ allowLocalFiles: true }).acquire(file, { signal: signal() });
    if (!r.ok) throw r.error;
    expect(r.value.pages).toHaveLength(3);
  });

  it('gives every report item of a PDF the page its span starts on', async () => {
    const file = join(dir, 'report-source.pdf');
    const out = join(dir, 'report.json');
    writeFileSync(file, pdf);
    const quiet = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = await run([file, '--depth', 'deep', '--format', 'json', '--out', out]);
    } finally {
      quiet.mockRestore();
    }
    expect(code).toBe(0);
    const report = ReportSchema.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(report.source.kind).toBe('document');
    const spans: Span[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v !== null && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (typeof o['start'] === 'number' && typeof o['end'] === 'number') spans.push(o as unknown as Span);
        else Object.values(o).forEach(collect);
      }
    };
    collect(report.sections);
    expect(spans.length).toBeGreaterThan(3);
    // Page ranges in the text: page n starts after n-1 pages and their blank-line separators.
    const text = PAGES.map((p) => p.join('\n'));
    const pageStart = [0, text[0]!.length + 2, text[0]!.length + text[1]!.length + 4];
    for (const s of spans) {
      const expected = pageStart.filter((p) => p <= s.start).length;
      expect(s.page, JSON.stringify(s)).toBe(expected);
    }
    expect(new Set(spans.map((s) => s.page))).toEqual(new Set([1, 2, 3]));
  });
});
