// End-to-end support: a local page server (distinct articles built from vendored CT19 debate sentences, an optional
// gate that holds a page open until the test releases it), report-part counting by footer marker, and real-time polling.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { readCt19Csv } from '../../src/analysis/analyse/checkworthiness/csv.js';
import type { EmulatedMessage } from '@autointel/discord-emulator';
import { fixturesDir } from './corpus.js';

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Article {
  readonly path: string;
  readonly title: string;
  readonly html: string;
}

/**
 * `count` distinct small articles: each takes its own window of substantive debate sentences, starting at its own
 * sentence (windows wrap around the sample, so no two articles have the same text), grouped into paragraphs under a
 * headline of its first words.
 */
export function ct19Articles(count: number, sentencesEach = 18): Article[] {
  const csv = readFileSync(resolve(fixturesDir, 'ct19-sample.csv'), 'utf8');
  const sentences = readCt19Csv(csv)
    .map((r) => r.text.trim())
    .filter((t) => t.split(/\s+/).length >= 8 && /[.!?]$/.test(t));
  if (sentences.length < Math.max(count, sentencesEach)) {
    throw new Error(
      `ct19Articles: the sample has ${sentences.length} sentences; ${count} distinct starts needed`,
    );
  }
  const stride = Math.max(1, Math.floor(sentences.length / count));
  const out: Article[] = [];
  for (let i = 0; i < count; i += 1) {
    const own = Array.from(
      { length: sentencesEach },
      (_, k) => sentences[(i * stride + k) % sentences.length] ?? '',
    );
    const title = `Debate notes ${i + 1}: ${own[0]?.split(/\s+/).slice(0, 6).join(' ') ?? ''}`;
    const paragraphs: string[] = [];
    for (let p = 0; p < own.length; p += 3)
      paragraphs.push(`<p>${escapeHtml(own.slice(p, p + 3).join(' '))}</p>`);
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body><article><h1>${escapeHtml(title)}</h1>${paragraphs.join('\n')}</article></body></html>`;
    out.push({ path: `/articles/${i + 1}.html`, title, html });
  }
  return out;
}

export interface PageServer {
  readonly server: Server;
  readonly base: string;
  /** Requests received per path. */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Serves the articles. A path in `gated` is answered only once `gated.get(path)` resolves, so a test can keep a
 * fetch in flight while it moves the clock.
 */
export function servePages(
  articles: readonly Article[],
  gated: ReadonlyMap<string, Promise<void>> = new Map(),
): Promise<PageServer> {
  const byPath = new Map(articles.map((a) => [a.path, a]));
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const article = byPath.get(path);
    if (article === undefined) {
      res.writeHead(404).end();
      return;
    }
    const body = Buffer.from(article.html, 'utf8');
    const send = (): void => {
      if (res.destroyed) return;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
      res.end(body);
    };
    const gate = gated.get(path);
    if (gate === undefined) send();
    else void gate.then(send);
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      ok({
        server,
        base: `http://127.0.0.1:${port}`,
        hits,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    }),
  );
}

const MARKER = /autointel • workflow ([0-9a-f-]{36}) • part (\d+)\/(\d+)/;

/** The footer markers of a message's embeds (`workflow`, `index`, `total`). */
export function partMarkers(m: EmulatedMessage): { workflowId: string; index: number; total: number }[] {
  const found: { workflowId: string; index: number; total: number }[] = [];
  for (const e of m.embeds) {
    const text = (e['footer'] as { text?: unknown } | undefined)?.text;
    const hit = typeof text === 'string' ? MARKER.exec(text) : null;
    if (hit !== null) found.push({ workflowId: hit[1] ?? '', index: Number(hit[2]), total: Number(hit[3]) });
  }
  return found;
}

export interface PartCount {
  readonly parts: number;
  readonly duplicates: number;
  readonly missing: number;
  readonly total: number;
}

/** Per workflow: report parts seen (live, not deleted), the same marker seen twice, and markers never seen. */
export function countParts(messages: readonly EmulatedMessage[]): Map<string, PartCount> {
  const seen = new Map<string, { total: number; markers: Map<number, number> }>();
  for (const m of messages) {
    if (m.deleted === true) continue;
    for (const p of partMarkers(m)) {
      const s = seen.get(p.workflowId) ?? { total: p.total, markers: new Map<number, number>() };
      s.total = Math.max(s.total, p.total);
      s.markers.set(p.index, (s.markers.get(p.index) ?? 0) + 1);
      seen.set(p.workflowId, s);
    }
  }
  const out = new Map<string, PartCount>();
  for (const [id, s] of seen) {
    let duplicates = 0;
    let missing = 0;
    for (let i = 1; i <= s.total; i += 1) {
      const n = s.markers.get(i) ?? 0;
      if (n === 0) missing += 1;
      else duplicates += n - 1;
    }
    const parts = [...s.markers.values()].reduce((a, b) => a + b, 0);
    out.set(id, { parts, duplicates, missing, total: s.total });
  }
  return out;
}

/** Polls `probe` on real time until it returns a value; fails naming `what` and the last `detail()`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  detail: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) {
      const d = detail();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${d === '' ? '' : `\n${d}`}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const opt = (name: string, value: string): { name: string; type: number; value: string } => ({
  name,
  type: 3,
  value,
});
