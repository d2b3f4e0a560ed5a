// `autointel demo`: the whole journey on this machine — local Discord emulator, the real bot (discord.js gateway
// client, engine, delivery) and a page server — printed as a timeline a person can read.
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { packageRoot } from '../core/paths.js';
import type { EmulatedMessage, TimelineEntry } from '@autointel/discord-emulator';
import { startApp } from '../main.js';
import { localBotConfig, startLocalDiscord } from './local-discord.js';
import { runPlayground } from './playground.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const ERROR_CODES = [10062, 40060, 10015, 50027, 50035, 50006];

function servePage(file: string): Promise<{ server: Server; url: string }> {
  const body = readFileSync(file);
  const server = createServer((req, res) => {
    if (req.url === '/article.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
      res.end(body);
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      ok({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/article.html` });
    }),
  );
}

async function until<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const started = performance.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (performance.now() - started > timeoutMs) throw new Error(`demo: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function run(args: readonly string[]): Promise<number> {
  if (args.includes('--web')) return runPlayground(args.filter((a) => a !== '--web'));
  const depth = args.find((a) => a.startsWith('--depth='))?.slice('--depth='.length) ?? 'deep';
  const out = (line = ''): boolean => process.stdout.write(`${line}\n`);
  const clock = new AdjustableClock();
  const t0 = clock.now();
  const at = (t: number): string => `${String(Math.round(t - t0)).padStart(7)} ms`;
  const dataDir = mkdtempSync(join(tmpdir(), 'autointel-demo-'));
  const logFile = join(dataDir, 'bot.log');

  const local = await startLocalDiscord({ clock, guildName: 'Demo Guild', username: 'demo-member' });
  const { emu } = local;
  const page = await servePage(resolve(packageRoot(), 'examples', 'article.html'));
  const config = localBotConfig(local, { dataDir, logLevel: 'info' });
  const logger = createLogger({ level: 'info', destination: createWriteStream(logFile) });

  out('autointel demo — a local Discord emulator, the real bot, and an example article');
  out(
    `  emulator     ${emu.baseUrl}  (guild ${local.guildId}, channel #analysis, webhook ${local.webhook.id})`,
  );
  out(`  article      ${page.url}`);
  out(`  bot log      ${logFile}`);
  out();

  // The demo moves one clock forward for the bot and the emulator together (past the 15-minute token lifetime), so
  // its workflows run in this process: a clock cannot be shared with an engine process.
  const app = await startApp(config, { role: 'bot', worker: true, clock, logger, engineProcess: false });
  let code: number;
  try {
    await until('the gateway session', () => emu.gatewaySessionCount() > 0);
    out(`${at(clock.now())}  bot connected to the emulator's gateway (discord.js), worker running`);

    const fired = await emu.fireSlashCommand({
      guildId: local.guildId,
      channelId: local.channelId,
      userId: local.userId,
      name: 'autointel',
      options: [
        { name: 'url', type: 3, value: page.url },
        { name: 'depth', type: 3, value: depth },
      ],
    });
    const sentAt = clock.now();
    out(`${at(sentAt)}  /autointel url:${page.url} depth:${depth}  → interaction ${fired.interactionId}`);
    const ack = await until('the acknowledgement', () => {
      const v = emu.interaction(fired.interactionId);
      return v?.acknowledgedAt ?? null;
    });
    out(
      `${at(ack)}  deferred (type 5) — ${Math.round(ack - sentAt)} ms after Discord sent it (limit 3000 ms)`,
    );
    const original = await until('the workflow id', () =>
      emu
        .messages(local.channelId)
        .find((m) => m.interactionId === fired.interactionId && UUID.test(m.content)),
    );
    const workflowId = UUID.exec(original.content)?.[0] ?? '';
    out(`${at(original.editedAt ?? clock.now())}  @original edited: "${original.content.split('\n')[0]}"`);

    // A real long job would outlive the interaction token; jump the shared clock so the demo shows that path.
    clock.advance(14 * 60_000);
    out(
      `${at(clock.now())}  ⏩ clock advanced 14 min: the interaction token has < 1 min left, so delivery moves to the webhook`,
    );

    const finished = await until('the workflow to finish', async () => {
      const w = await app.engine.get(workflowId);
      return w !== null && ['completed', 'failed', 'cancelled'].includes(w.status) ? w : null;
    });

    const fromWebhook = emu.messages(local.channelId).filter((m) => m.webhookId === local.webhook.id);
    describeDelivery(out, at, fromWebhook);
    out(
      `${at(finished.finishedAt ?? clock.now())}  workflow ${finished.status}${finished.lastError ? `: ${finished.lastError.message}` : ''}`,
    );

    const retrieve = await emu.fireSlashCommand({
      guildId: local.guildId,
      channelId: local.channelId,
      userId: local.userId,
      name: 'retrieve_results',
      options: [{ name: 'workflow_id', type: 3, value: workflowId }],
    });
    const rAck = await until(
      'the retrieve acknowledgement',
      () => emu.interaction(retrieve.interactionId)?.acknowledgedAt ?? null,
    );
    out(`${at(rAck)}  /retrieve_results workflow_id:${workflowId} → deferred ephemerally`);
    const privately = await until('the retrieved report', () => {
      const own = emu.ephemeralMessages(retrieve.interactionId);
      return own.some((m) => m.embeds.length > 0 || m.attachments.length > 0) ? own : null;
    });
    out(
      `${at(clock.now())}  report shown privately to the requester: ${privately.length} message(s), ${privately.reduce((n, m) => n + m.embeds.length, 0)} embeds`,
    );

    code = summarise(out, emu.timeline(), t0, emu.application.id);
  } finally {
    await app.stop();
    await emu.close();
    await new Promise((r) => page.server.close(r));
    if (process.env['AUTOINTEL_DEMO_KEEP'] !== '1') rmSync(dataDir, { recursive: true, force: true });
  }
  return code;
}

function describeDelivery(
  out: (l?: string) => boolean,
  at: (t: number) => string,
  msgs: EmulatedMessage[],
): void {
  const title = (m: EmulatedMessage): string =>
    String((m.embeds[0] as { title?: unknown } | undefined)?.title ?? m.content.slice(0, 60));
  // The progress card is the webhook message edited in place; the report parts are posted once each.
  for (const m of msgs) {
    if (m.editedAt !== null) {
      out(
        `${at(m.createdAt)}  progress card moved to a webhook message, edited in place until ${at(m.editedAt).trim()}: "${title(m)}"`,
      );
      continue;
    }
    const files = m.attachments.map((a) => `${a.filename} (${a.size} B)`).join(', ');
    out(
      `${at(m.createdAt)}  report through the webhook: ${m.embeds.length} embed(s) "${title(m)}"${files ? `, attached ${files}` : ''}`,
    );
  }
}

function summarise(
  out: (l?: string) => boolean,
  timeline: TimelineEntry[],
  t0: number,
  applicationId: string,
): number {
  out();
  out('Requests the bot made to Discord (emulator timeline):');
  for (const e of timeline.filter((x) => x.direction === 'inbound')) {
    const code = e.code !== undefined ? ` code ${e.code}` : '';
    // Interaction webhooks (token-bound, 15 min) and incoming webhooks share one route shape: say which is which.
    const via = e.path.startsWith(`/webhooks/${applicationId}/`)
      ? '  [interaction token]'
      : e.route.startsWith('/webhooks/')
        ? '  [delivery webhook]'
        : '';
    out(
      `  ${String(Math.round(e.receivedAt - t0)).padStart(7)} ms  ${e.method.padEnd(6)} ${e.route}${e.query ? `?${e.query}` : ''} → ${e.status}${code}${via}`,
    );
  }
  const callbacks = timeline.filter((e) => e.direction === 'inbound' && e.route.endsWith('/callback'));
  const errors = timeline.filter((e) => e.code !== undefined && ERROR_CODES.includes(e.code));
  out();
  out(
    `initial responses: ${callbacks.length} for 2 interactions; Discord errors 10062/40060/10015/50027/50035/50006: ${errors.length}`,
  );
  return errors.length === 0 && callbacks.length === 2 ? 0 : 1;
}
