// The corpus pages of the ack-latency real-work bench, read the same way by the bench and by its page server.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';

export const MIB = 1024 * 1024;

export interface Page {
  readonly name: string;
  readonly html: Buffer;
}

/** The corpus pages, largest first; null (with the reason printed) when the corpus is absent. */
export function corpusPages(): Page[] | null {
  const dir = resolve(packageRoot(), '..', 'shared', 'corpus', 'articles');
  if (!existsSync(dir)) return null;
  const pages: Page[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name, 'source.html');
    if (existsSync(file)) pages.push({ name, html: readFileSync(file) });
  }
  pages.sort((a, b) => b.html.length - a.html.length);
  if (pages.length > 0 && (pages[0]?.html.length ?? 0) < MIB) {
    // No page reaches 1 MiB: one is made by concatenating article bodies (said in the output).
    const bodies = pages.map((p) => /<body[^>]*>([\s\S]*)<\/body>/i.exec(p.html.toString('utf8'))?.[1] ?? '');
    let joined = '';
    for (let i = 0; joined.length < MIB + 1024; i++) joined += bodies[i % bodies.length] ?? '';
    const html = Buffer.from(
      `<!doctype html><html><head><title>Concatenated</title></head><body>${joined}</body></html>`,
    );
    pages.unshift({ name: 'concatenated-bodies', html });
  }
  return pages;
}
