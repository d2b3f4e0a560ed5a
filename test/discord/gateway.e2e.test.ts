// Gateway mode end to end: a real discord.js Client against the emulator, our router answering every interaction once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { createGatewayFrontEnd, type GatewayFrontEnd } from '../../src/discord/gateway.js';
import type { InMemoryAppServices } from '../support/in-memory-services.js';
import { PromFrontEndMetrics } from '../../src/discord/metrics.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import {
  botFaults,
  callbacksFor,
  logger,
  memoryServices,
  opt,
  startWorld,
  until,
  type World,
} from './harness.js';

let world: World;
let services: InMemoryAppServices;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  world = await startWorld();
  const mem = memoryServices(world.emu);
  services = mem.services;
  cleanups.push(mem.close);
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await world.emu.close();
});

async function frontEnd(
  extra: Partial<Parameters<typeof createGatewayFrontEnd>[0]> = {},
): Promise<GatewayFrontEnd> {
  const fe = createGatewayFrontEnd({
    token: world.emu.application.botToken,
    applicationId: world.emu.application.id,
    apiBase: world.emu.apiBase,
    clock: new SystemClock(),
    logger,
    services,
    responder: { unknownWebhookRetryDelaysMs: [50, 100, 200] },
    ...extra,
  });
  cleanups.push(() => fe.stop());
  await fe.start();
  return fe;
}

const analyze = (url: string, depth = 'standard') =>
  world.emu.fireSlashCommand({
    guildId: world.guildId,
    channelId: world.channelId,
    userId: world.userId,
    name: 'autointel',
    options: [opt('url', url), opt('depth', depth)],
  });

const originalContent = (interactionId: string): string | undefined => {
  const id = world.emu.interaction(interactionId)?.originalMessageId;
  return world.emu.messages(world.channelId).find((m) => m.id === id)?.content;
};

describe('gateway front end against the emulator', () => {
  it('defers /autointel once and edits the loading message into the acknowledgement naming the workflow id', async () => {
    const fe = await frontEnd();
    const { interactionId } = await analyze('https://example.com/article', 'deep');
    const content = await until(
      () => (originalContent(interactionId)?.includes('workflow') ? originalContent(interactionId) : null),
      'acknowledgement edit',
    );
    await fe.router.idle();
    const wf = services.workflows()[0];
    expect(content).toContain(`Analysis started — workflow \`${wf?.id}\` (depth deep)`);
    expect(world.emu.interaction(interactionId)).toMatchObject({
      state: 'replied',
      ephemeral: false,
      responseType: 5,
    });
    expect(callbacksFor(world.emu, interactionId)).toHaveLength(1);
    expect(botFaults(world.emu)).toEqual({});
  });

  it('answers invalid input with one ephemeral type-4 message', async () => {
    const fe = await frontEnd();
    const { interactionId } = await analyze('javascript:alert(1)');
    await until(() => world.emu.interaction(interactionId)?.state === 'replied', 'type-4 reply');
    await fe.router.idle();
    expect(world.emu.interaction(interactionId)).toMatchObject({ ephemeral: true, responseType: 4 });
    expect(world.emu.ephemeralMessages(interactionId)[0]?.content).toMatch(/Only http and https/);
    expect(callbacksFor(world.emu, interactionId)).toHaveLength(1);
    expect(services.workflows()).toHaveLength(0);
    expect(botFaults(world.emu)).toEqual({});
  });

  it('answers retrieve/status/cancel with a malformed workflow id privately (type 4, ephemeral)', async () => {
    const fe = await frontEnd();
    for (const name of ['retrieve_results', 'autointel_status', 'autointel_cancel']) {
      const { interactionId } = await world.emu.fireSlashCommand({
        guildId: world.guildId,
        channelId: world.channelId,
        userId: world.userId,
        name,
        options: [opt('workflow_id', 'not-a-uuid')],
      });
      await until(() => world.emu.interaction(interactionId)?.state === 'replied', `${name} reply`);
      expect(world.emu.interaction(interactionId)).toMatchObject({ ephemeral: true, responseType: 4 });
      expect(world.emu.ephemeralMessages(interactionId)[0]?.content).toMatch(/not a workflow id/);
    }
    await fe.router.idle();
    expect(botFaults(world.emu)).toEqual({});
  });

  it('shows /autointel_status privately for an existing workflow', async () => {
    const fe = await frontEnd();
    const first = await analyze('https://example.com/s');
    await until(() => services.workflows()[0], 'workflow');
    const wf = services.workflows()[0];
    await until(() => originalContent(first.interactionId)?.includes('workflow'), 'ack');
    const { interactionId } = await world.emu.fireSlashCommand({
      guildId: world.guildId,
      channelId: world.channelId,
      userId: world.userId,
      name: 'autointel_status',
      options: [opt('workflow_id', wf?.id ?? '')],
    });
    await until(
      () => world.emu.ephemeralMessages(interactionId).find((m) => m.content.includes('queued')),
      'private status',
    );
    await fe.router.idle();
    expect(world.emu.interaction(interactionId)).toMatchObject({ ephemeral: true, responseType: 5 });
    expect(world.emu.messages(world.channelId).some((m) => m.content.includes('**queued**'))).toBe(false);
    expect(botFaults(world.emu)).toEqual({});
  });

  it('lets a server manager set the delivery webhook, privately', async () => {
    const fe = await frontEnd();
    const hook = world.emu.createWebhook({ channelId: world.channelId });
    const { interactionId } = await world.emu.fireSlashCommand({
      guildId: world.guildId,
      channelId: world.channelId,
      userId: world.adminId,
      name: 'autointel_config',
      options: [opt('webhook', hook.url)],
    });
    await until(
      () => world.emu.ephemeralMessages(interactionId).find((m) => m.content.includes(hook.id)),
      'config confirmation',
    );
    await fe.router.idle();
    expect(services.hasGuildWebhook(world.guildId)).toBe(true);
    expect(JSON.stringify(world.emu.ephemeralMessages(interactionId))).not.toContain(hook.token);
    expect(botFaults(world.emu)).toEqual({});
  });

  it('with two bot processes on one token sharing a SQLite claim, every interaction gets exactly one response', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'autointel-claim-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'claims.db');
    const stores = [new SqliteWorkflowStore({ filename: file }), new SqliteWorkflowStore({ filename: file })];
    for (const s of stores) {
      await s.migrate();
      cleanups.push(() => s.close());
    }
    const clock = new SystemClock();
    const claimFor = (i: number) => (id: string) =>
      (stores[i] as SqliteWorkflowStore).claimInteraction(id, `bot-${i}`, clock.now());
    const a = await frontEnd({ claim: claimFor(0) });
    const b = await frontEnd({ claim: claimFor(1) });
    expect(world.emu.gatewaySessionCount()).toBe(2);
    const fired: string[] = [];
    for (let i = 0; i < 12; i++) {
      fired.push((await analyze(i % 3 === 0 ? 'notaurl' : `https://example.com/${i}`)).interactionId);
    }
    await until(
      () =>
        fired.every((id) => {
          const v = world.emu.interaction(id);
          return (
            v?.state === 'replied' || (v?.state === 'deferred' && originalContent(id)?.includes('workflow'))
          );
        }),
      'all interactions answered',
    );
    await Promise.all([a.router.idle(), b.router.idle()]);
    for (const id of fired) expect(callbacksFor(world.emu, id)).toHaveLength(1);
    expect(services.workflows()).toHaveLength(8);
    expect(botFaults(world.emu)).toEqual({});
  });

  it('does not strand an interaction whose callback was applied but answered 5xx: the acknowledgement lands via PATCH @original', async () => {
    const metrics = new PromFrontEndMetrics({ mode: 'gateway', processMetrics: false });
    const fe = await frontEnd({ metrics });
    world.emu.injectFault({
      route: '/interactions/:interaction_id/:token/callback',
      kind: 'applied_5xx',
      times: 1,
    });
    const { interactionId } = await analyze('https://example.com/flaky');
    await until(() => originalContent(interactionId)?.includes('workflow'), 'acknowledgement via PATCH');
    await fe.router.idle();
    expect(callbacksFor(world.emu, interactionId)).toHaveLength(1);
    expect(callbacksFor(world.emu, interactionId)[0]?.status).toBe(500);
    expect(botFaults(world.emu)).toEqual({});
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/autointel_interaction_callback_errors_total\{code="http_500"\} 1/);
    expect(text).toMatch(
      /autointel_interactions_total\{command="autointel",outcome="possibly_acknowledged"\} 1/,
    );
  });

  it('when a callback is reset before Discord applied it, tells the user through the channel instead of going silent', async () => {
    const fe = await frontEnd();
    world.emu.injectFault({
      route: '/interactions/:interaction_id/:token/callback',
      kind: 'reset',
      times: 1,
    });
    const { interactionId } = await analyze('https://example.com/reset');
    const notice = await until(
      () => world.emu.messages(world.channelId).find((m) => m.content.includes('Analysis started')),
      'fallback channel message',
    );
    await fe.router.idle();
    const wf = services.workflows()[0];
    expect(notice.content).toContain(wf?.id ?? 'missing');
    expect(notice.author.webhookId).toBeUndefined();
    expect(callbacksFor(world.emu, interactionId).length).toBeLessThanOrEqual(1);
    expect(world.emu.stats().errorsByCode['40060']).toBeUndefined();
  });

  it('when the 3 s window passed before the callback arrived (10062), still runs the request and tells the user in the channel', async () => {
    const fe = await frontEnd();
    world.emu.injectFault({
      route: '/interactions/:interaction_id/:token/callback',
      kind: 'latency',
      ms: 600,
      times: 1,
    });
    const { interactionId } = await analyze('https://example.com/slow');
    await new Promise((r) => setTimeout(r, 150));
    world.emu.advanceClock(4_000);
    const notice = await until(
      () => world.emu.messages(world.channelId).find((m) => m.content.includes('Analysis started')),
      'fallback channel message',
    );
    await fe.router.idle();
    expect(callbacksFor(world.emu, interactionId).map((e) => e.code)).toEqual([10062]);
    expect(services.workflows()).toHaveLength(1);
    expect(notice.content).toContain(services.workflows()[0]?.id ?? 'missing');
    expect(services.unreachableNotices()).toMatchObject([{ interactionId, delivered: true }]);
    // Nothing was sent on the dead token after the 10062.
    const onToken = world.emu
      .timeline()
      .filter(
        (e) =>
          e.route.startsWith('/webhooks/:webhook_id/:token') &&
          e.path.startsWith(`/webhooks/${world.emu.application.id}/`),
      );
    expect(onToken).toHaveLength(0);
  });
});
