// PDF documents: the text layer of each page, read by pdf.js in a worker thread with a deadline and a memory cap.
import path from 'node:path';
import { setTimeout as realDelay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AppError } from '../../core/errors.js';
import { toAppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { permanent } from './errors.js';
import type { PageRange } from './types.js';

export interface PdfWorkerInput {
  readonly bytes: Uint8Array;
  readonly maxChars: number;
  readonly maxPages: number;
}

export type PdfWorkerReply =
  | {
      readonly type: 'done';
      readonly numPages: number;
      readonly pages: readonly { readonly page: number; readonly text: string }[];
      readonly truncated: boolean;
      readonly title: string | null;
    }
  | { readonly type: 'error'; readonly reason: 'encrypted' | 'invalid'; readonly message: string };

export interface PdfOptions {
  readonly signal: AbortSignal;
  /** Real elapsed time for the whole document; past it the worker is terminated. Default 60 s. */
  readonly timeoutMs?: number;
  /** Characters of text kept; the rest of the document is dropped with a note. */
  readonly maxChars: number;
  /** Default 2000. */
  readonly maxPages?: number;
  /** V8 old-generation cap of the worker. Default 512 MiB. */
  readonly memoryMb?: number;
  /** The compiled worker script (tests); defaults to pdf-worker.js beside this module under dist/. */
  readonly workerUrl?: URL;
}

export interface PdfText {
  readonly title: string | null;
  readonly text: string;
  /** Where each page's text sits in `text`; pages without text are absent. */
  readonly pages: readonly PageRange[];
  readonly notes: readonly string[];
}

export const DEFAULT_PDF_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_PAGES = 2000;
const DEFAULT_MEMORY_MB = 512;

export const isPdfBytes = (bytes: Uint8Array): boolean =>
  bytes.length >= 5 && Buffer.from(bytes.subarray(0, 1024)).includes('%PDF-');

/** Compiled code finds the worker beside itself; source run by the test runner maps to its twin under dist/. */
export function pdfWorkerUrl(moduleUrl: string = import.meta.url): URL {
  const here = fileURLToPath(moduleUrl);
  if (!here.endsWith('.ts')) return new URL('./pdf-worker.js', moduleUrl);
  const marker = `${path.sep}src${path.sep}`;
  const at = here.lastIndexOf(marker);
  if (at < 0) return new URL('./pdf-worker.js', moduleUrl);
  const relDir = path.dirname(here.slice(at + 1));
  return pathToFileURL(path.join(here.slice(0, at), 'dist', relDir, 'pdf-worker.js'));
}

/** Tidies one page: spaces collapsed, blank runs shortened, words split by a line-end hyphen rejoined. */
export function tidyPageText(raw: string): string {
  return raw
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .replace(/(\p{Ll})-\n(\p{Ll})/gu, '$1$2')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function describePages(pages: readonly number[]): string {
  if (pages.length <= 8) return pages.join(', ');
  return `${pages.slice(0, 8).join(', ')} and ${pages.length - 8} more`;
}

/** Never throws: every way the read can end is a Result. */
export async function extractPdfText(
  bytes: Uint8Array,
  options: PdfOptions,
): Promise<Result<PdfText, AppError>> {
  if (options.signal.aborted) return err(toAppError(options.signal.reason));
  const timeoutMs = options.timeoutMs ?? DEFAULT_PDF_TIMEOUT_MS;
  const input: PdfWorkerInput = {
    bytes,
    maxChars: options.maxChars,
    maxPages: options.maxPages ?? DEFAULT_MAX_PAGES,
  };
  let worker: Worker;
  try {
    worker = new Worker(options.workerUrl ?? pdfWorkerUrl(), {
      workerData: input,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb ?? DEFAULT_MEMORY_MB },
      stdout: true,
      stderr: true,
    });
  } catch (e: unknown) {
    return err(toAppError(e, 'acquire.pdf_failed'));
  }
  const stop = new AbortController();
  const reply = await new Promise<
    PdfWorkerReply | { type: 'timeout' } | { type: 'aborted' } | { type: 'crashed'; message: string }
  >((resolve) => {
    const onAbort = (): void => resolve({ type: 'aborted' });
    options.signal.addEventListener('abort', onAbort, { once: true });
    stop.signal.addEventListener('abort', () => options.signal.removeEventListener('abort', onAbort));
    // A worker's budget is real elapsed time, whatever the business clock does.
    realDelay(timeoutMs, undefined, { signal: stop.signal }).then(
      () => resolve({ type: 'timeout' }),
      () => undefined,
    );
    worker.once('message', (m: PdfWorkerReply) => resolve(m));
    worker.once('error', (e: unknown) => resolve({ type: 'crashed', message: toAppError(e).message }));
    worker.once('exit', (code) => resolve({ type: 'crashed', message: `worker exited with ${code}` }));
  });
  stop.abort();
  await worker.terminate();

  switch (reply.type) {
    case 'aborted':
      return err(toAppError(options.signal.reason));
    case 'timeout':
      return err(
        permanent('acquire.timeout', `PDF text not read within ${timeoutMs} ms`, {
          userMessage: `The PDF is too complex to read within ${Math.round(timeoutMs / 1000)} s.`,
        }),
      );
    case 'crashed':
      // A terminated-for-memory worker lands here too: the document is beyond the budget, retrying will not help.
      return err(
        permanent('acquire.pdf_failed', `PDF worker failed: ${reply.message}`, {
          userMessage: 'The PDF could not be read within the memory budget, or it is damaged.',
        }),
      );
    case 'error':
      return err(
        reply.reason === 'encrypted'
          ? permanent('acquire.pdf_failed', 'PDF is password-protected', {
              userMessage: 'The PDF is password-protected, so its text cannot be read.',
            })
          : permanent('acquire.pdf_failed', `Not a readable PDF: ${reply.message}`),
      );
    case 'done': {
      const doc = assemble(reply);
      if (doc.text === '')
        return err(
          permanent('acquire.no_text_layer', `PDF of ${reply.numPages} pages without text`, {
            userMessage: noTextLayerNote(reply.numPages),
            context: { pages: reply.numPages },
          }),
        );
      return ok(doc);
    }
  }
}

function assemble(r: Extract<PdfWorkerReply, { type: 'done' }>): PdfText {
  let text = '';
  const pages: PageRange[] = [];
  const blank: number[] = [];
  for (const p of r.pages) {
    const t = tidyPageText(p.text);
    if (t === '') {
      blank.push(p.page);
      continue;
    }
    if (text !== '') text += '\n\n';
    const charStart = text.length;
    text += t;
    pages.push({ page: p.page, charStart, charEnd: text.length });
  }
  const notes: string[] = [];
  if (blank.length > 0)
    notes.push(
      `Page${blank.length > 1 ? 's' : ''} ${describePages(blank)} ha${blank.length > 1 ? 've' : 's'} no text layer (scanned images, probably) and no text recognition (OCR) is available, so ${blank.length > 1 ? 'they were' : 'it was'} skipped.`,
    );
  if (r.truncated) {
    const last = r.pages.at(-1)?.page ?? 0;
    notes.push(`Only pages 1–${last} of ${r.numPages} were read: the document exceeds the text size limit.`);
  }
  return { title: r.title, text, pages, notes };
}

export function noTextLayerNote(numPages: number): string {
  return `The PDF (${numPages} page${numPages === 1 ? '' : 's'}) has no text layer — it is probably scanned images — and no text recognition (OCR) is available, so no text could be read.`;
}
