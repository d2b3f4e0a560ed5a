// Worker thread: reads a PDF's text layer page by page with pdf.js, so a hostile document never blocks the main loop.
import { parentPort, workerData } from 'node:worker_threads';
import type { PdfWorkerInput, PdfWorkerReply } from './pdf.js';

interface TextPiece {
  readonly str?: string;
  readonly hasEOL?: boolean;
}

async function run(input: PdfWorkerInput): Promise<PdfWorkerReply> {
  // The legacy build is the one pdf.js supports on Node; its own "worker" runs in this thread (we are the worker).
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const task = pdfjs.getDocument({
    data: new Uint8Array(input.bytes),
    // Never evaluate code from the document, never fetch anything (fonts, CMaps) from anywhere.
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    useWorkerFetch: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  let doc: Awaited<typeof task.promise>;
  try {
    doc = await task.promise;
  } catch (e: unknown) {
    const name = (e as { name?: unknown } | null)?.name;
    if (name === 'PasswordException') return { type: 'error', reason: 'encrypted', message: 'password' };
    return { type: 'error', reason: 'invalid', message: e instanceof Error ? e.message : String(e) };
  }
  try {
    const pages: { page: number; text: string }[] = [];
    let chars = 0;
    let truncated = false;
    const limit = Math.min(doc.numPages, input.maxPages);
    for (let n = 1; n <= limit; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items as TextPiece[]) {
        text += item.str ?? '';
        if (item.hasEOL === true) text += '\n';
      }
      page.cleanup();
      pages.push({ page: n, text });
      chars += text.length;
      if (chars > input.maxChars) {
        truncated = true;
        break;
      }
    }
    const title = await doc
      .getMetadata()
      .then((m) => {
        const t = (m.info as { Title?: unknown } | null)?.Title;
        return typeof t === 'string' && t.trim() !== '' ? t.trim() : null;
      })
      .catch(() => null);
    return {
      type: 'done',
      numPages: doc.numPages,
      pages,
      truncated: truncated || limit < doc.numPages,
      title,
    };
  } finally {
    await doc.destroy();
  }
}

const port = parentPort;
if (port !== null)
  run(workerData as PdfWorkerInput).then(
    (reply) => port.postMessage(reply),
    (e: unknown) =>
      port.postMessage({
        type: 'error',
        reason: 'invalid',
        message: e instanceof Error ? e.message : String(e),
      } satisfies PdfWorkerReply),
  );
