// HTTP-endpoint mode end to end: the emulator POSTs signed interactions to the real bot's /interactions, one analysis
// is delivered, a running one is inspected and cancelled (requester yes, another member no), health and metrics answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { SystemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { DiscordEmulator } from '@autointel/discord-emulator';
import { startApp, type RunningApp } from '../../src/main.js';
import { countParts, ct19Articles, opt, servePages, until, type PageServer } from '../support/e2e-pages.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const CALLBACK = '/interactions/:interaction_id/:token/callback';
const FORBIDDEN_CODES = [50027, 10062, 40060, 10015, 50035];

const dataDir = mkdtempSync(join(tmpdir(), 'autointel-e2e-http-'));
let emu: DiscordEmulator;
let app: RunningApp | null = null;
let pages: PageServer;
let release: () => void = () => undefined;
const urls = { quick: '', held: '' };
const world = { guildId: '', channelId: '', requester: '', other: '' };

beforeAll(async () => {
  emu = await DiscordEmulator.start({ rateLimits: { enabled: false } });
  const [quick, held] = ct19Articles(2, 15);
  if (quick === undefined || held === undefined) throw new Error('articles missing');
  const gate = new Promise<void>((ok) => (release = ok));
  pages = await servePages([quick, held], new Map([[held.path, gate]]));
  urls.quick = `${pages.base}${quick.path}`;
  urls.held = `${pages.base}${held.path}`;
  world.guildId = emu.createGuild({ name: 'HTTP Mode' }).id;
  world.channelId = emu.createChannel({ guildId: world.guildId, name: 'analysis' }).id;
  world.requester = emu.createUser({ username: 'requester' }).id;
  world.other = emu.createUser({ username: 'bystander' }).id;
  emu.addMember({ guildId: world.guildId, userId: world.requester });
  emu.addMember({ guildId: world.guildId, userId: world.other });
  const config = loadConfig({
    DISCORD_TOKEN: emu.application.botToken,
    DISCORD_APPLICATION_ID: emu.application.id,
    DISCORD_PUBLIC_KEY: emu.application.publicKeyHex,
    DISCORD_API_BASE: emu.apiBase,
    AUTOINTEL_MODE: 'http',
    PORT: '0',
    AUTOINTEL_DATA_DIR: dataDir,
    AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  app = await startApp(config, { role: 'bot', worker: true, clock: new SystemClock(), logger, pacing: {} });
  if (app.httpUrl === null) throw new Error('http mode started without an HTTP server');
  await emu.setInteractionsEndpoint(`${app.httpUrl}/interactions`);
});

afterAll(async () => {
  release();
  await app?.stop();
  await emu?.close();
  await pages?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const command = (userId: string, name: string, options: { name: string; type: number; value: string }[]) =>
  emu.fireSlashCommand({ guildId: world.guildId, channelId: world.channelId, userId, name, options });

/** The private answer to a status/cancel/retrieve command (its edited ephemeral message). */
const privateAnswer = (interactionId: string): Promise<string> =>
  until(`the private answer to ${interactionId}`, () => {
    const m = emu.ephemeralMessages(interactionId).find((x) => x.content !== '' && (x.flags & 128) === 0);
    return m?.content;
  });

async function startedWorkflow(interactionId: string): Promise<string> {
  const original = await until('the @original naming the workflow', () =>
    emu.messages(world.channelId).find((m) => m.interactionId === interactionId && UUID.test(m.content)),
  );
  return UUID.exec(original.content)?.[0] ?? '';
}

describe('HTTP interactions endpoint mode, end to end', () => {
  it('answers /autointel inline with a defer and delivers the report', async () => {
    const r = await command(world.requester, 'autointel', [opt('url', urls.quick), opt('depth', 'standard')]);
    expect(r.httpResponse?.status).toBe(200);
    expect(r.httpResponse?.body).toMatchObject({ type: 5 });
    const id = await startedWorkflow(r.interactionId);
    const done = await until(
      'the workflow to complete and deliver',
      async () => {
        const w = await app?.engine.get(id);
        return w?.status === 'completed' && w.deliveryState === 'delivered' ? w : null;
      },
      60_000,
    );
    expect(done.reportId).not.toBeNull();
    const parts = countParts(emu.messages(world.channelId)).get(id);
    expect(parts, 'report parts in the channel').toBeDefined();
    expect(parts).toMatchObject({ missing: 0, duplicates: 0 });
    const timeline = emu.timeline();
    expect(timeline.filter((e) => e.code !== undefined && FORBIDDEN_CODES.includes(e.code))).toEqual([]);
    // In HTTP mode the initial response is the inline answer: the bot never also calls the callback route.
    expect(timeline.filter((e) => e.route === CALLBACK && e.interactionId === r.interactionId)).toEqual([]);
  });

  it('shows status, refuses cancel by another member, and cancels for the requester', async () => {
    const r = await command(world.requester, 'autointel', [opt('url', urls.held), opt('depth', 'standard')]);
    const id = await startedWorkflow(r.interactionId);
    await until('the held page fetch', () => (pages.hits.get(new URL(urls.held).pathname) ?? 0) > 0);
    expect((await app?.engine.get(id))?.status).toBe('running');

    const status = await command(world.requester, 'autointel_status', [opt('workflow_id', id)]);
    expect(await privateAnswer(status.interactionId)).toContain(id);
    expect(emu.interaction(status.interactionId)?.ephemeral).toBe(true);

    const refused = await command(world.other, 'autointel_cancel', [opt('workflow_id', id)]);
    expect(await privateAnswer(refused.interactionId)).toMatch(/Only the member who started this analysis/);
    expect((await app?.engine.get(id))?.status, 'still running after a refused cancel').toBe('running');

    const cancel = await command(world.requester, 'autointel_cancel', [opt('workflow_id', id)]);
    expect(await privateAnswer(cancel.interactionId)).toMatch(/is cancelled|Cancelling workflow/);
    release();
    const ended = await until(
      'the workflow to stop',
      async () => {
        const w = await app?.engine.get(id);
        return w !== null && w !== undefined && ['completed', 'failed', 'cancelled'].includes(w.status)
          ? w
          : null;
      },
      30_000,
    );
    expect(ended.status).toBe('cancelled');
    // The requester is told once that it was cancelled; no report part is posted.
    const notices = await until('the cancellation notice', () => {
      const own = emu
        .messages(world.channelId)
        .filter((m) => m.embeds.some((e) => JSON.stringify(e).includes(`workflow ${id} • part`)));
      return own.length > 0 ? own : null;
    });
    expect(notices.map((m) => m.embeds.map((e) => e['title']))).toEqual([['Analysis cancelled']]);
    expect(
      notices.flatMap((m) => m.attachments),
      'no report attached',
    ).toEqual([]);
  });

  it('answers /healthz and /metrics', async () => {
    const health = await fetch(`${app?.httpUrl ?? ''}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, mode: 'http' });
    const metrics = await fetch(`${app?.httpUrl ?? ''}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    expect(text).toMatch(/^autointel_interactions_total\{.*\} [1-9]/m);
  });
});
