// A job that outlives the 15-minute interaction token: the real bot (discord.js gateway, engine, pipeline, outbox) and
// the emulator share one clock, the page is held open while the clock crosses 16 minutes, and the report must still
// arrive in full through the webhook with no Discord error, then be retrievable privately from its own guild only.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { AdjustableClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { DiscordEmulator, type TimelineEntry } from '@autointel/discord-emulator';
import { startApp, type RunningApp } from '../../src/main.js';
import { countParts, ct19Articles, opt, servePages, until, type PageServer } from '../support/e2e-pages.js';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const FORBIDDEN_CODES = [50027, 10062, 40060, 10015, 50035];
const CALLBACK = '/interactions/:interaction_id/:token/callback';
const MESSAGE_EDIT = '/webhooks/:webhook_id/:token/messages/:message_id';
const TOKEN_LIFETIME_MS = 15 * 60_000;

const clock = new AdjustableClock();
const dataDir = mkdtempSync(join(tmpdir(), 'autointel-e2e-long-'));
let emu: DiscordEmulator;
let app: RunningApp | null = null;
let pages: PageServer;
let release: () => void = () => undefined;
let articleUrl = '';
const world = { guildId: '', channelId: '', userId: '', webhookId: '' };

beforeAll(async () => {
  emu = await DiscordEmulator.start({ clock, heartbeatIntervalMs: 5_000 });
  const [article] = ct19Articles(1, 24);
  if (article === undefined) throw new Error('no article generated');
  const gate = new Promise<void>((ok) => (release = ok));
  pages = await servePages([article], new Map([[article.path, gate]]));
  world.guildId = emu.createGuild({ name: 'Long Jobs' }).id;
  world.channelId = emu.createChannel({ guildId: world.guildId, name: 'analysis' }).id;
  world.userId = emu.createUser({ username: 'patient' }).id;
  emu.addMember({ guildId: world.guildId, userId: world.userId });
  const webhook = emu.createWebhook({ channelId: world.channelId, name: 'autointel reports' });
  world.webhookId = webhook.id;
  const config = loadConfig({
    DISCORD_TOKEN: emu.application.botToken,
    DISCORD_APPLICATION_ID: emu.application.id,
    DISCORD_PUBLIC_KEY: emu.application.publicKeyHex,
    DISCORD_API_BASE: emu.apiBase,
    DISCORD_WEBHOOK: webhook.url,
    AUTOINTEL_MODE: 'gateway',
    PORT: '0',
    AUTOINTEL_DATA_DIR: dataDir,
    AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
    LOG_LEVEL: 'warn',
  });
  const logger = createLogger({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  // The test clock jumps past the token lifetime for the bot and the emulator alike: workflows run in this process.
  app = await startApp(config, { role: 'bot', worker: true, clock, logger, engineProcess: false });
  await until('the bot gateway session', () => emu.gatewaySessionCount() > 0);
  articleUrl = `${pages.base}${article.path}`;
});

afterAll(async () => {
  release();
  await app?.stop();
  await emu?.close();
  await pages?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const describeTimeline = (entries: TimelineEntry[]): string =>
  entries
    .filter((e) => e.direction === 'inbound')
    .map((e) => `  ${e.method} ${e.route} → ${e.status}${e.code === undefined ? '' : ` code ${e.code}`}`)
    .join('\n');

describe('a job longer than the interaction token, end to end', () => {
  let workflowId = '';
  let interactionId = '';

  it('delivers the whole report through the webhook after the token expired, without any Discord error', async () => {
    const url = articleUrl;
    const startedAt = clock.now();
    const fired = await emu.fireSlashCommand({
      guildId: world.guildId,
      channelId: world.channelId,
      userId: world.userId,
      name: 'autointel',
      options: [opt('url', url), opt('depth', 'standard')],
    });
    interactionId = fired.interactionId;
    const original = await until('the @original edit naming the workflow', () =>
      emu
        .messages(world.channelId)
        .find((m) => m.interactionId === fired.interactionId && UUID.test(m.content)),
    );
    workflowId = UUID.exec(original.content)?.[0] ?? '';

    // The fetch is in flight and held: walk the clock past the token lifetime while the workflow is running.
    await until(
      'the page fetch to reach the page server',
      () => (pages.hits.get(new URL(url).pathname) ?? 0) > 0,
    );
    const running = await app?.engine.get(workflowId);
    expect(running?.status, 'the workflow runs while its page is still loading').toBe('running');
    for (let elapsed = 0; elapsed < TOKEN_LIFETIME_MS + 60_000; elapsed += 20_000) {
      clock.advance(20_000);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(clock.now() - startedAt).toBeGreaterThan(TOKEN_LIFETIME_MS);
    release();

    const finished = await until(
      'the workflow to finish',
      async () => {
        const w = await app?.engine.get(workflowId);
        return w !== undefined && w !== null && ['completed', 'failed', 'cancelled'].includes(w.status)
          ? w
          : null;
      },
      60_000,
      () => describeTimeline(emu.timeline()),
    );
    expect(finished.status, `workflow ended ${finished.status}: ${finished.lastError?.message ?? ''}`).toBe(
      'completed',
    );
    expect(finished.finishedAt ?? 0).toBeGreaterThan(startedAt + TOKEN_LIFETIME_MS);

    const delivered = await until(
      'every report part in the channel',
      () => {
        const c = countParts(emu.messages(world.channelId)).get(workflowId);
        return c !== undefined && c.missing === 0 ? c : null;
      },
      30_000,
      () => describeTimeline(emu.timeline()),
    );
    expect(delivered.duplicates, 'no report part twice').toBe(0);
    const reportMessages = emu
      .messages(world.channelId)
      .filter((m) => m.embeds.some((e) => JSON.stringify(e).includes(`workflow ${workflowId} • part`)));
    expect(reportMessages.length).toBeGreaterThan(0);
    expect(
      reportMessages.every((m) => m.webhookId === world.webhookId),
      'after the token expired every part goes through the delivery webhook',
    ).toBe(true);
    const files = reportMessages.flatMap((m) => m.attachments);
    expect(files.map((f) => f.filename)).toContain(`report-${workflowId}.md`);
    expect(files.find((f) => f.filename.endsWith('.md'))?.content.toString('utf8')).toMatch(/^# /m);
    const w = await app?.engine.get(workflowId);
    expect(w?.deliveryState).toBe('delivered');

    const timeline = emu.timeline();
    const bad = timeline.filter((e) => e.code !== undefined && FORBIDDEN_CODES.includes(e.code));
    expect(bad, `Discord errors in the timeline:\n${describeTimeline(timeline)}`).toEqual([]);
    const callbacks = timeline.filter(
      (e) => e.direction === 'inbound' && e.route === CALLBACK && e.interactionId === interactionId,
    );
    expect(callbacks, 'exactly one initial response').toHaveLength(1);
    expect(callbacks[0]?.status).toBe(204);

    // Progress shown while running: edits of the @original (token) and/or of the webhook's progress card.
    const progressEdits = timeline.filter(
      (e) =>
        e.direction === 'inbound' &&
        e.method === 'PATCH' &&
        e.route === MESSAGE_EDIT &&
        e.status === 200 &&
        /\d+%/.test(JSON.stringify(e.requestBody ?? '')),
    );
    expect(progressEdits.length, `no progress edit seen:\n${describeTimeline(timeline)}`).toBeGreaterThan(0);
    process.stdout.write(
      `long-job: workflow ${workflowId} completed ${Math.round((finished.finishedAt ?? 0) - startedAt) / 1000}s (clock) after the command; ` +
        `${reportMessages.length} report message(s), ${delivered.parts} part(s), ${progressEdits.length} progress edit(s), ${timeline.length} timeline entries\n`,
    );
  });

  it('shows the report privately through /retrieve_results in the same guild', async () => {
    const r = await emu.fireSlashCommand({
      guildId: world.guildId,
      channelId: world.channelId,
      userId: world.userId,
      name: 'retrieve_results',
      options: [opt('workflow_id', workflowId)],
    });
    const shown = await until('the retrieved report', () => {
      const own = emu.ephemeralMessages(r.interactionId);
      return own.some((m) => m.embeds.length > 0) ? own : null;
    });
    expect(emu.interaction(r.interactionId)).toMatchObject({ ephemeral: true });
    expect(shown.flatMap((m) => m.attachments).map((a) => a.filename)).toContain(`report-${workflowId}.md`);
    expect(
      emu.messages(world.channelId).filter((m) => m.interactionId === r.interactionId && m.flags !== 64),
      'nothing public for a retrieve',
    ).toEqual([]);
  });

  it('finds the report with /autointel_search privately, in its own guild only', async () => {
    const search = async (guildId: string, channelId: string, userId: string) => {
      const r = await emu.fireSlashCommand({
        guildId,
        channelId,
        userId,
        name: 'autointel_search',
        options: [opt('query', 'debate notes')],
      });
      const answer = await until('the search answer', () =>
        emu.ephemeralMessages(r.interactionId).find((m) => m.content !== '' || m.embeds.length > 0),
      );
      expect(emu.interaction(r.interactionId)?.ephemeral).toBe(true);
      return answer;
    };
    const found = await search(world.guildId, world.channelId, world.userId);
    const embed = found.embeds[0] as { title?: string; description?: string } | undefined;
    expect(embed?.title).toContain('debate notes');
    expect(embed?.description).toContain(`/retrieve_results workflow_id:${workflowId}`);
    expect(embed?.description).toMatch(/\*\*Debate\*\* \*\*notes\*\*|\*\*Debate notes\*\*/i);

    const otherGuild = emu.createGuild({ name: 'Search elsewhere' }).id;
    const otherChannel = emu.createChannel({ guildId: otherGuild, name: 'general' }).id;
    const stranger = emu.createUser({ username: 'searcher' }).id;
    emu.addMember({ guildId: otherGuild, userId: stranger });
    const none = await search(otherGuild, otherChannel, stranger);
    expect(none.content).toMatch(/No report from this server matches/);
    expect(JSON.stringify(none)).not.toContain(workflowId);
  });

  it('offers the earlier report for the same link and depth once it is no longer fresh; rerun:True runs again', async () => {
    clock.advance(61 * 60_000); // past the default 60-minute freshness window
    const before = (await app?.store.listWorkflows({}))?.length ?? 0;
    const again = await emu.fireSlashCommand({
      guildId: world.guildId,
      channelId: world.channelId,
      userId: world.userId,
      name: 'autointel',
      options: [opt('url', articleUrl), opt('depth', 'standard')],
    });
    const offer = await until('the offer', () =>
      emu
        .messages(world.channelId)
        .find((m) => m.interactionId === again.interactionId && /already analysed/.test(m.content)),
    );
    expect(offer.content).toContain(`/retrieve_results workflow_id:${workflowId}`);
    expect(offer.content).toContain('rerun:True');
    expect((await app?.store.listWorkflows({}))?.length).toBe(before);

    const rerun = await emu.fireSlashCommand({
      guildId: world.guildId,
      channelId: world.channelId,
      userId: world.userId,
      name: 'autointel',
      options: [opt('url', articleUrl), opt('depth', 'standard'), { name: 'rerun', type: 5, value: true }],
    });
    const started = await until('the new run', () =>
      emu
        .messages(world.channelId)
        .find((m) => m.interactionId === rerun.interactionId && /Analysis started/.test(m.content)),
    );
    const newId = UUID.exec(started.content)?.[0];
    expect(newId).toBeDefined();
    expect(newId).not.toBe(workflowId);
  });

  it('answers "not found" to /retrieve_results from another guild, and a type-4 error to a malformed id', async () => {
    const otherGuild = emu.createGuild({ name: 'Elsewhere' }).id;
    const otherChannel = emu.createChannel({ guildId: otherGuild, name: 'general' }).id;
    const stranger = emu.createUser({ username: 'stranger' }).id;
    emu.addMember({ guildId: otherGuild, userId: stranger, admin: true });
    const r = await emu.fireSlashCommand({
      guildId: otherGuild,
      channelId: otherChannel,
      userId: stranger,
      name: 'retrieve_results',
      options: [opt('workflow_id', workflowId)],
    });
    const answer = await until('the cross-guild answer', () =>
      emu.ephemeralMessages(r.interactionId).find((m) => m.content !== ''),
    );
    expect(answer.content).toMatch(/No workflow .* was found here/);
    expect(answer.embeds).toEqual([]);
    expect(emu.interaction(r.interactionId)?.ephemeral).toBe(true);

    const bad = await emu.fireSlashCommand({
      guildId: world.guildId,
      channelId: world.channelId,
      userId: world.userId,
      name: 'retrieve_results',
      options: [opt('workflow_id', 'not-a-workflow-id')],
    });
    await until('the malformed-id answer', () => emu.interaction(bad.interactionId)?.state === 'replied');
    expect(emu.interaction(bad.interactionId)).toMatchObject({ ephemeral: true, responseType: 4 });
    expect(emu.ephemeralMessages(bad.interactionId)[0]?.content).toMatch(/not a workflow id/);
  });
});
