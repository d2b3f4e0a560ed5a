// Every corpus article served over local HTTP must come back with the title and language its metadata expects.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusAvailable } from '../support/corpus.js';
import { corpusDir, startServer, testAcquirer, signal, type TestServer } from './helpers.js';

const articlesDir = join(corpusDir, 'articles');
const present = corpusAvailable('corpus articles over HTTP', 'articles');
const pages = present ? readdirSync(articlesDir).sort() : [];

interface Expected {
  title?: string;
  lang?: string;
}

const norm = (s: string | null | undefined): string | null =>
  s == null ? null : s.replace(/\s+/g, ' ').trim();
// AcquiredContent.language is ISO 639-1 by contract, so `en-US` in the metadata is compared as `en`.
const primary = (tag: string): string => tag.toLowerCase().split(/[-_]/)[0] ?? '';

describe.skipIf(!present)('corpus articles over HTTP', () => {
  let server: TestServer;
  const table: {
    page: string;
    titleOk: string;
    langOk: string;
    lang: string;
    words: number;
    chars: number;
  }[] = [];

  beforeAll(async () => {
    server = await startServer((req, res) => {
      const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.split('/')[1] ?? '');
      const file = join(articlesDir, name, 'source.html');
      if (!pages.includes(name)) {
        res.writeHead(404).end();
        return;
      }
      // The saved pages are UTF-8 files; qq's still declares gb2312 in <meta>, so no charset is sent here on
      // purpose: the decoder must notice the bytes are UTF-8.
      res.writeHead(200, { 'content-type': 'text/html' }).end(readFileSync(file));
    });
  });
  afterAll(async () => {
    await server.close();
    console.log(
      ['| page | title ok | lang ok | lang | words | chars |', '|---|---|---|---|---|---|']
        .concat(
          table.map(
            (r) => `| ${r.page} | ${r.titleOk} | ${r.langOk} | ${r.lang} | ${r.words} | ${r.chars} |`,
          ),
        )
        .join('\n'),
    );
  });

  it('the corpus holds the 32 articles its README lists', () => {
    expect(pages.length).toBeGreaterThanOrEqual(30);
  });

  it.each(pages)('%s: title and language match expected-metadata.json, text is non-empty', async (page) => {
    const expected = JSON.parse(
      readFileSync(join(articlesDir, page, 'expected-metadata.json'), 'utf8'),
    ) as Expected;
    const acquirer = testAcquirer({ allowedEndpoints: [server.endpoint] });
    const r = await acquirer.acquire(`${server.origin}/${page}/`, { signal: signal() });
    if (!r.ok) throw r.error;
    const c = r.value;
    const words = c.text.split(/\s+/).filter(Boolean).length;
    table.push({
      page,
      titleOk: expected.title === undefined ? 'n/a' : String(norm(c.title) === norm(expected.title)),
      langOk: expected.lang === undefined ? `n/a` : String(c.language === primary(expected.lang)),
      lang: c.language ?? '-',
      words,
      chars: c.text.length,
    });
    expect(c.kind).toBe('article');
    // Characters, not words: Chinese text has no spaces to count.
    expect(c.text.length).toBeGreaterThan(300);
    expect(c.contentHash).toMatch(/^[0-9a-f]{64}$/);
    if (expected.title !== undefined) expect(norm(c.title)).toBe(norm(expected.title));
    if (expected.lang !== undefined) expect(c.language).toBe(primary(expected.lang));
  });
});
