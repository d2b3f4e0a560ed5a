// Child process of the ack-latency real-work bench: serves the corpus pages over HTTP away from the measured loop
// (a real bot fetches pages from other machines; serving 1 MiB pages from the bot's own process would load the very
// loop the bench measures), and tells the bench its base URL.
import { createServer, type Server } from 'node:http';
import { corpusPages, type Page } from './pages.js';

export type PageServerMessage = { readonly type: 'ready'; readonly base: string };

/** Serves page `i % n` under a unique path per request, so the freshness cache never short-circuits a workflow. */
function servePages(pages: readonly Page[]): Promise<{ server: Server; base: string }> {
  const byName = new Map(pages.map((p) => [p.name, p]));
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.split('/')[3] ?? '';
    const page = byName.get(name.replace(/\.html$/, ''));
    if (page === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': page.html.length });
    res.end(page.html);
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      ok({ server, base: `http://127.0.0.1:${typeof a === 'object' && a !== null ? a.port : 0}` });
    }),
  );
}

const pages = corpusPages() ?? [];
void servePages(pages).then(({ base }) => {
  process.send?.({ type: 'ready', base } satisfies PageServerMessage);
});
// The bench ends this process when it is done (or dies with it: the IPC channel closes).
process.on('disconnect', () => process.exit(0));
