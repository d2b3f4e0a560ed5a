// `autointel demo --web`: a local page that looks like a Discord channel and drives the real bot through the local
// emulator — type /autointel, watch "is thinking…", the acknowledgement, the progress card being edited, the report
// with its chart and the /retrieve_results answer, as a member would see them, without a Discord account.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { EmulatedMessage } from '@autointel/discord-emulator';
import { SystemClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { packageRoot } from '../core/paths.js';
import { startApp, type RunningApp } from '../main.js';
import { localBotConfig, startLocalDiscord } from './local-discord.js';

export interface Playground {
  /** The page to open. */
  readonly url: string;
  /** The example article the page suggests. */
  readonly exampleUrl: string;
  close(): Promise<void>;
}

const COMMANDS = new Set(['autointel', 'retrieve_results', 'autointel_status', 'autointel_cancel']);
const MAX_BODY = 8 * 1024;

/** `/autointel url:https://x depth:deep` → the command name and its options, or a reason it is not one. */
export function parseCommand(
  text: string,
):
  | { ok: true; name: string; options: { name: string; type: 3; value: string }[] }
  | { ok: false; reason: string } {
  const m = /^\/([a-z_]+)\s*(.*)$/s.exec(text.trim());
  if (m === null) return { ok: false, reason: 'Type a slash command, e.g. /autointel url:<link> depth:deep' };
  const name = m[1] ?? '';
  if (!COMMANDS.has(name))
    return {
      ok: false,
      reason: `Unknown command /${name}. Try ${[...COMMANDS].map((c) => `/${c}`).join(', ')}.`,
    };
  const options: { name: string; type: 3; value: string }[] = [];
  for (const part of (m[2] ?? '').split(/\s+(?=[a-z_]+:)/)) {
    const kv = /^([a-z_]+):(.*)$/s.exec(part.trim());
    if (kv === null) continue;
    options.push({ name: kv[1] ?? '', type: 3, value: (kv[2] ?? '').trim() });
  }
  return { ok: true, name, options };
}

/** A message as the page shows it (attachments by URL, never bytes). */
function view(m: EmulatedMessage, ephemeral: boolean): Record<string, unknown> {
  return {
    id: m.id,
    author: m.author.username,
    bot: m.author.bot,
    content: m.content,
    embeds: m.embeds,
    attachments: m.attachments.map((a) => ({
      filename: a.filename,
      size: a.size,
      url: `/api/attachments/${m.id}/${a.id}`,
      image: /\.(png|jpe?g|gif|webp)$/i.test(a.filename),
    })),
    // A type-5 defer shows "is thinking…" until the bot fills it (flag 128 = loading).
    thinking: (m.flags & 128) !== 0,
    ephemeral,
    edited: m.editedAt !== null,
    createdAt: m.createdAt,
  };
}

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>#analysis — autointel playground</title><link rel="stylesheet" href="/playground.css"></head>
<body>
<header><span class="hash">#</span> analysis <span class="hint">— a local Discord channel: the emulator and the real bot run on this machine</span></header>
<main id="messages" aria-live="polite" aria-label="Messages in #analysis"></main>
<form id="composer" autocomplete="off">
<label for="command" class="sr-only">Message #analysis</label>
<input id="command" name="command" placeholder="/autointel url:&lt;link&gt; depth:deep">
<button type="submit">Send</button>
<p id="error" role="alert"></p>
</form>
<script src="/playground.js"></script>
</body></html>`;

const CSS = `
:root{color-scheme:dark;--bg:#313338;--fg:#dbdee1;--muted:#949ba4;--embed:#2b2d31;--accent:#5865f2}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.4 system-ui,sans-serif;display:flex;flex-direction:column;height:100vh}
header{padding:.75rem 1rem;border-bottom:1px solid #1f2023;font-weight:600}.hash{color:var(--muted)}.hint{color:var(--muted);font-weight:400;font-size:.85rem}
main{flex:1;overflow:auto;padding:1rem}.msg{margin:0 0 1rem}.who{font-weight:600;color:#fff}.bot{background:var(--accent);color:#fff;font-size:.65rem;padding:0 .3rem;border-radius:3px;margin-left:.3rem}
.eph{color:var(--muted);font-size:.8rem}.thinking{color:var(--muted);font-style:italic}.content{white-space:pre-wrap;overflow-wrap:anywhere}
.embed{background:var(--embed);border-left:4px solid var(--accent);border-radius:4px;padding:.5rem .75rem;margin:.35rem 0;max-width:44rem;overflow-wrap:anywhere}
.embed h3{margin:.1rem 0 .3rem;font-size:1rem}.embed a{color:#00a8fc}.embed .desc{white-space:pre-wrap}.embed .field{margin:.3rem 0}.embed .fname{font-weight:600}
.embed img{max-width:100%;border-radius:4px;margin-top:.4rem}.footer{color:var(--muted);font-size:.75rem;margin-top:.3rem}.file{display:inline-block;margin:.25rem 0;color:#00a8fc}
form{padding:.75rem 1rem;display:flex;gap:.5rem;flex-wrap:wrap}input{flex:1;min-width:12rem;background:#383a40;border:0;border-radius:8px;color:var(--fg);padding:.7rem;font:inherit}
button{background:var(--accent);color:#fff;border:0;border-radius:8px;padding:0 1rem;font:inherit}#error{flex-basis:100%;margin:0;color:#f23f43}
.sr-only{position:absolute;left:-9999px}
`;

// The page's only script: it polls the playground's JSON and renders with textContent (never innerHTML), so nothing
// the bot or a page sends can run here.
const JS = `'use strict';
const list = document.getElementById('messages');
const form = document.getElementById('composer');
const input = document.getElementById('command');
const error = document.getElementById('error');
function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
function safeUrl(u) { try { const x = new URL(u, location.href); return x.protocol === 'http:' || x.protocol === 'https:' ? x.href : null; } catch { return null; } }
function renderEmbed(e, attachments) {
  const box = el('div', 'embed');
  if (e.color) box.style.borderLeftColor = '#' + Number(e.color).toString(16).padStart(6, '0');
  if (e.title) { const h = el('h3'); const href = e.url ? safeUrl(e.url) : null; if (href) { const a = el('a', '', e.title); a.href = href; a.target = '_blank'; a.rel = 'noopener noreferrer'; h.append(a); } else h.textContent = e.title; box.append(h); }
  if (e.description) box.append(el('div', 'desc', e.description));
  for (const f of e.fields || []) { const d = el('div', 'field'); d.append(el('div', 'fname', f.name), el('div', 'fval', f.value)); box.append(d); }
  if (e.image && e.image.url && e.image.url.startsWith('attachment://')) {
    const a = attachments.find((x) => x.filename === e.image.url.slice('attachment://'.length));
    if (a) { const img = el('img'); img.src = a.url; img.alt = e.title || 'chart'; box.append(img); }
  }
  if (e.footer && e.footer.text) box.append(el('div', 'footer', e.footer.text));
  return box;
}
function render(state) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren();
  for (const m of state.messages) {
    const d = el('article', 'msg'); d.dataset.id = m.id;
    const who = el('div'); who.append(el('span', 'who', m.author)); if (m.bot) who.append(el('span', 'bot', 'APP'));
    if (m.ephemeral) who.append(el('span', 'eph', '  · only you can see this'));
    d.append(who);
    if (m.thinking) d.append(el('div', 'thinking', m.author + ' is thinking…'));
    else if (m.content) d.append(el('div', 'content', m.content + (m.edited ? ' (edited)' : '')));
    const shownImages = new Set();
    for (const e of m.embeds) { d.append(renderEmbed(e, m.attachments)); if (e.image && e.image.url) shownImages.add(e.image.url.slice('attachment://'.length)); }
    for (const a of m.attachments) if (!shownImages.has(a.filename)) { const l = el('a', 'file', 'Attachment: ' + a.filename + ' (' + a.size + ' B)'); l.href = a.url; l.download = a.filename; const row = el('div'); row.append(l); d.append(row); }
    list.append(d);
  }
  if (atBottom) list.scrollTop = list.scrollHeight;
}
async function poll() {
  try { const r = await fetch('/api/state'); if (r.ok) render(await r.json()); } catch { /* the next poll retries */ }
  setTimeout(poll, 500);
}
form.addEventListener('submit', async (ev) => {
  ev.preventDefault(); error.textContent = '';
  const r = await fetch('/api/command', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: input.value }) });
  const body = await r.json();
  if (!r.ok) error.textContent = body.error; else input.value = '';
});
fetch('/api/example').then((r) => r.json()).then((b) => { input.value = '/autointel url:' + b.url + ' depth:deep'; });
poll();
`;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    ...SECURITY_HEADERS,
  });
  res.end(body);
}
const json = (res: ServerResponse, status: number, body: unknown): void =>
  send(res, status, 'application/json', JSON.stringify(body));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok, fail) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        fail(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => ok(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

/** A free loopback port, so the bot's HTTP server (and its report pages) can be named before it starts. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as AddressInfo;
  await new Promise((ok) => s.close(ok));
  return port;
}

export async function startPlayground(
  options: { readonly port?: number; readonly logLevel?: string } = {},
): Promise<Playground> {
  const dataDir = mkdtempSync(join(tmpdir(), 'autointel-playground-'));
  const clock = new SystemClock();
  const local = await startLocalDiscord({ clock, guildName: 'Playground', username: 'you', admin: true });
  const { emu } = local;
  const article = readFileSync(resolve(packageRoot(), 'examples', 'article.html'));
  const botPort = await freePort();
  const fired: string[] = [];
  let app: RunningApp | null = null;

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    void (async () => {
      if (req.method === 'GET' && path === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE);
      if (req.method === 'GET' && path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
      if (req.method === 'GET' && path === '/playground.css')
        return send(res, 200, 'text/css; charset=utf-8', CSS);
      if (req.method === 'GET' && path === '/playground.js')
        return send(res, 200, 'text/javascript; charset=utf-8', JS);
      if (req.method === 'GET' && path === '/example/article.html')
        return send(res, 200, 'text/html; charset=utf-8', article);
      if (req.method === 'GET' && path === '/api/example')
        return json(res, 200, { url: `${base}/example/article.html` });
      if (req.method === 'GET' && path === '/api/state') {
        const channelMessages = emu
          .messages(local.channelId)
          .filter((m) => m.deleted !== true)
          .map((m) => view(m, false));
        const own = fired.flatMap((id) => emu.ephemeralMessages(id).map((m) => view(m, true)));
        const messages = [...channelMessages, ...own].sort(
          (a, b) => Number(a['createdAt']) - Number(b['createdAt']),
        );
        return json(res, 200, { messages });
      }
      const att = /^\/api\/attachments\/(\d+)\/(\d+)$/.exec(path);
      if (req.method === 'GET' && att !== null) {
        const all = [...emu.messages(local.channelId), ...fired.flatMap((id) => emu.ephemeralMessages(id))];
        const a = all.find((m) => m.id === att[1])?.attachments.find((x) => x.id === att[2]);
        if (a === undefined) return json(res, 404, { error: 'no such attachment' });
        const type = a.filename.endsWith('.png') ? 'image/png' : 'text/plain; charset=utf-8';
        return send(res, 200, type, a.content);
      }
      if (req.method === 'POST' && path === '/api/command') {
        let text: string;
        try {
          text = String((JSON.parse(await readBody(req)) as { text?: unknown }).text ?? '');
        } catch {
          return json(res, 400, { error: 'Send {"text": "/autointel url:… depth:…"}' });
        }
        const parsed = parseCommand(text);
        if (!parsed.ok) return json(res, 400, { error: parsed.reason });
        const r = await emu.fireSlashCommand({
          guildId: local.guildId,
          channelId: local.channelId,
          userId: local.userId,
          name: parsed.name,
          options: parsed.options,
        });
        fired.push(r.interactionId);
        return json(res, 200, { interactionId: r.interactionId });
      }
      return json(res, 404, { error: 'not found' });
    })().catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: e instanceof Error ? e.message : String(e) });
    });
  });
  await new Promise<void>((ok) => server.listen(options.port ?? 0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const logLevel = options.logLevel ?? 'warn';
  const config = localBotConfig(local, {
    dataDir,
    logLevel,
    port: botPort,
    publicUrl: `http://127.0.0.1:${botPort}`,
  });
  app = await startApp(config, {
    role: 'bot',
    worker: true,
    clock,
    logger: createLogger({ level: logLevel }),
  });
  return {
    url: base,
    exampleUrl: `${base}/example/article.html`,
    async close() {
      await app?.stop();
      await emu.close();
      await new Promise((ok) => server.close(ok));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `autointel demo --web [--port N]`: serves the playground until interrupted. */
export async function runPlayground(args: readonly string[]): Promise<number> {
  const i = args.indexOf('--port');
  const port = i >= 0 ? Number(args[i + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer in 0..65535, received ${String(args[i + 1])}\n`);
    return 2;
  }
  const pg = await startPlayground({ port });
  process.stdout.write(
    `autointel playground — a local Discord channel driving the real bot through the emulator\n\n  open ${pg.url}\n\nType /autointel url:<link> depth:deep (the example article is pre-filled), then /retrieve_results workflow_id:<id>.\nCtrl-C stops it.\n`,
  );
  await new Promise<void>((ok) => {
    process.once('SIGINT', ok);
    process.once('SIGTERM', ok);
  });
  await pg.close();
  return 0;
}
