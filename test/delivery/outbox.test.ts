// The delivery outbox against the Discord emulator and a real SQLite store: faults, token expiry, fallback, crashes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../src/analysis/report.js';
import { AdjustableClock } from '../../src/core/clock.js';
import { newId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { SecretBox } from '../../src/core/secrets.js';
import { UndiciTransport } from '../../src/discord-api/transport.js';
import { DiscordRestClient } from '../../src/discord-api/rest.js';
import { configureGuildWebhook } from '../../src/delivery/guild-config.js';
import { DeliveryOutbox } from '../../src/delivery/outbox.js';
import type { DeliveryOutboxOptions } from '../../src/delivery/outbox.js';
import { RateLimiter } from '../../src/discord-api/ratelimit.js';
import { DiscordEmulator } from '@autointel/discord-emulator';
import type { EmulatorRateLimitOptions } from '@autointel/discord-emulator';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import type { DeliveryRef, StoredReport, WorkflowRecord } from '../../src/store/store.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A report long enough to need several messages. */
function bigReport(tag: string): Report {
  const span = { start: 0, end: 10 };
  const sentence = (i: number): string =>
    `Sentence ${i} of ${tag} says something about the budget and taxes.`;
  return {
    schemaVersion: 2,
    depth: 'deep',
    createdAt: '2025-01-01T00:00:00.000Z',
    source: {
      input: 'https://example.com/a',
      finalUrl: 'https://example.com/a',
      kind: 'article',
      title: `Report ${tag}`,
      byline: null,
      siteName: null,
      publishedTime: null,
      language: 'en',
      wordCount: 5000,
      contentHash: 'abc',
    },
    timings: [],
    engines: {},
    notes: [],
    sections: {
      summary: { items: Array.from({ length: 60 }, (_, i) => ({ text: sentence(i), score: 1, span })) },
      keyPoints: {
        items: Array.from({ length: 12 }, (_, i) => ({ text: `${sentence(i)} `.repeat(6), score: 1, span })),
      },
      topics: { items: [{ label: 'budget', score: 1, spans: [span] }] },
      entities: { items: [{ text: 'Council', type: 'organization', count: 2, spans: [span] }] },
      sentiment: { items: [{ label: 'neutral', score: 0, span }] },
      claims: {
        items: Array.from({ length: 12 }, (_, i) => ({
          text: `${sentence(i)} `.repeat(4),
          score: 0.5,
          speaker: null,
          span,
        })),
      },
    },
  };
}

interface World {
  clock: AdjustableClock;
  emu: DiscordEmulator;
  store: SqliteWorkflowStore;
  secretBox: SecretBox;
  guildId: string;
  channelId: string;
  hook: { id: string; token: string; url: string };
  dbPath: string;
  outbox(over?: Partial<DeliveryOutboxOptions>): DeliveryOutbox;
  workflow(delivery?: Partial<DeliveryRef>): Promise<WorkflowRecord>;
  report(wf: WorkflowRecord, tag: string): StoredReport;
  /** Runs the clock ahead of real time so pacing and retry_after waits pass quickly. */
  warp(): void;
}

async function world(rateLimits: EmulatorRateLimitOptions = {}): Promise<World> {
  const clock = new AdjustableClock();
  const emu = await DiscordEmulator.start({ clock, rateLimits });
  cleanups.push(() => emu.close());
  const guildId = emu.createGuild().id;
  const channelId = emu.createChannel({ guildId }).id;
  const hook = emu.createWebhook({ channelId });
  const dir = mkdtempSync(join(tmpdir(), 'autointel-delivery-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const dbPath = join(dir, 'db.sqlite');
  const store = new SqliteWorkflowStore({ filename: dbPath });
  await store.migrate();
  cleanups.push(() => store.close());
  const secretBox = new SecretBox('k'.repeat(40));
  const logger = createLogger({ level: 'silent' });
  const configured = await configureGuildWebhook(
    { store, secretBox, clock, allowApiBase: emu.apiBase },
    guildId,
    hook.url,
  );
  expect(configured.ok).toBe(true);
  return {
    clock,
    emu,
    store,
    secretBox,
    guildId,
    channelId,
    hook,
    dbPath,
    outbox: (over = {}) => {
      const limiter = new RateLimiter({ clock });
      const rest = new DiscordRestClient({
        transport: new UndiciTransport({ apiBase: emu.apiBase, botToken: emu.application.botToken }),
        logger,
        limiter,
        timeoutMs: 5_000,
      });
      return new DeliveryOutbox({
        store,
        clock,
        logger,
        secretBox,
        rest,
        apiBase: emu.apiBase,
        allowApiBaseWebhooks: true,
        backoff: { baseMs: 50, maxMs: 400 },
        ...over,
      });
    },
    workflow: async (delivery = {}) => {
      const { workflow } = await store.createWorkflow({
        id: newId(),
        now: clock.now(),
        request: {
          url: 'https://example.com/a',
          depth: 'deep',
          requesterId: '1',
          guildId,
          channelId,
          interactionId: null,
          origin: 'discord',
          delivery: { guildId, channelId, ...delivery },
        },
      });
      return workflow;
    },
    report: (wf, tag) => ({
      id: newId(),
      workflowId: wf.id,
      url: 'https://example.com/a',
      depth: 'deep',
      report: bigReport(tag),
      createdAt: clock.now(),
    }),
    warp: () => {
      const t = setInterval(() => clock.advance(500), 20);
      cleanups.push(() => clearInterval(t));
    },
  };
}

/** Footer markers of every message in the channel, with how often each appears. */
function markerCounts(emu: DiscordEmulator, channelId: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of emu.messages(channelId)) {
    for (const e of m.embeds) {
      const text = (e['footer'] as { text?: string } | undefined)?.text;
      if (text?.includes(' • part ')) counts.set(text, (counts.get(text) ?? 0) + 1);
    }
  }
  return counts;
}

const never = new AbortController().signal;

describe('DeliveryOutbox', () => {
  it('delivers every part exactly once through a webhook despite 5% 5xx and bursts of 429', async () => {
    const w = await world();
    w.warp();
    w.emu.injectFault({ method: 'POST', route: /^\/webhooks\//, kind: 'error_5xx', times: 1 });
    w.emu.injectFault({ method: 'POST', route: /^\/webhooks\//, kind: 'error_5xx', probability: 0.05 });
    w.emu.injectFault({
      method: 'POST',
      route: /^\/webhooks\//,
      kind: 'rate_limit',
      times: 3,
      retryAfterS: 2,
    });
    const outbox = w.outbox();
    let parts = 0;
    for (let i = 0; i < 4; i++) {
      const wf = await w.workflow();
      const result = await outbox.deliverReport(wf, w.report(wf, `r${i}`), never);
      expect(result).toEqual({ kind: 'delivered' });
      const stored = await w.store.listDeliveryParts(wf.id);
      expect(stored.every((p) => p.status === 'sent' && p.target === 'webhook:guild')).toBe(true);
      parts += stored.length;
    }
    const counts = markerCounts(w.emu, w.channelId);
    const duplicates = [...counts.values()].filter((n) => n > 1).length;
    console.log(
      `webhook faults: ${parts} parts, ${counts.size} distinct delivered, ${duplicates} duplicates`,
    );
    expect(parts).toBeGreaterThanOrEqual(8);
    expect(counts.size).toBe(parts);
    expect(duplicates).toBe(0);
    expect(w.emu.stats().errorsByCode['50035'] ?? 0).toBe(0);
    const timeline = w.emu.timeline();
    expect(timeline.filter((e) => e.status === 429 && e.fault === 'rate_limit').length).toBe(3);
    expect(timeline.filter((e) => e.status >= 500).length).toBeGreaterThanOrEqual(1);
    // The emulator's real limits (≈5 / 2 s per webhook, ≈30 / 60 s per channel) were never hit: pacing works.
    expect(timeline.filter((e) => e.status === 429 && e.fault === undefined)).toEqual([]);
  });

  it('reconciles "applied but answered 5xx" through the channel history instead of sending twice', async () => {
    const w = await world();
    w.warp();
    w.emu.injectFault({ method: 'POST', route: /^\/webhooks\//, kind: 'applied_5xx', times: 2 });
    const outbox = w.outbox({ botToken: w.emu.application.botToken });
    const wf = await w.workflow();
    expect(await outbox.deliverReport(wf, w.report(wf, 'applied'), never)).toEqual({ kind: 'delivered' });
    const parts = await w.store.listDeliveryParts(wf.id);
    const counts = markerCounts(w.emu, w.channelId);
    expect(counts.size).toBe(parts.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const reads = w.emu
      .timeline()
      .filter((e) => e.method === 'GET' && e.route === '/channels/:channel_id/messages');
    expect(reads.length).toBeGreaterThanOrEqual(2);
  });

  it('moves from the interaction to the webhook before the token expires: progress card and report, zero 50027', async () => {
    const w = await world();
    const user = w.emu.createUser().id;
    const fired = await w.emu.fireSlashCommand({
      guildId: w.guildId,
      channelId: w.channelId,
      userId: user,
      name: 'autointel',
    });
    const cb = await request(`${w.emu.apiBase}/interactions/${fired.interactionId}/${fired.token}/callback`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 5 }),
    });
    await cb.body.dump();
    expect(cb.statusCode).toBe(204);
    const createdAt = w.emu.interaction(fired.interactionId)?.createdAt ?? w.clock.now();
    const wf0 = await w.workflow({
      interaction: {
        id: fired.interactionId,
        applicationId: w.emu.application.id,
        tokenSealed: w.secretBox.seal(fired.token),
        createdAt,
      },
    });
    const outbox = w.outbox();
    const running = (percent: number): WorkflowRecord => ({
      ...wf0,
      status: 'running',
      startedAt: createdAt,
      progress: { stage: 'transcribe', percent, message: `at ${percent}%`, updatedAt: w.clock.now() },
    });
    await outbox.progress(running(10));
    expect((await w.store.getProgressCard(wf0.id))?.target).toBe('interaction');
    // Throttled: a second update within 5 s is not sent.
    await outbox.progress(running(12));
    expect((await w.store.getProgressCard(wf0.id))?.lastPercent).toBe(10);
    w.clock.advance(6_000);
    await outbox.progress(running(20));
    expect((await w.store.getProgressCard(wf0.id))?.lastPercent).toBe(20);

    w.clock.advance(14 * 60_000);
    await outbox.progress(running(70));
    const card = await w.store.getProgressCard(wf0.id);
    expect(card?.target).toBe('webhook:guild');
    const cardMessage = w.emu.messages(w.channelId).find((m) => m.id === card?.messageId);
    expect(cardMessage?.webhookId).toBe(w.hook.id);

    expect(await outbox.deliverReport(running(100), w.report(wf0, 'expiry'), never)).toEqual({
      kind: 'delivered',
    });
    const parts = await w.store.listDeliveryParts(wf0.id);
    expect(parts.every((p) => p.target === 'webhook:guild')).toBe(true);
    const timeline = w.emu.timeline();
    expect(timeline.filter((e) => e.code === 50027)).toEqual([]);
    const original = w.emu.messages(w.channelId).find((m) => m.interactionId === fired.interactionId);
    expect(original?.editedAt).not.toBeNull();
  });

  it('falls back to the next target when one refuses (4xx): broken guild webhook → default webhook', async () => {
    const w = await world();
    const other = w.emu.createWebhook({ channelId: w.channelId });
    // The guild webhook now points at a token Discord does not know.
    await configureGuildWebhook(
      { store: w.store, secretBox: w.secretBox, clock: w.clock, allowApiBase: w.emu.apiBase },
      w.guildId,
      `${w.emu.apiBase}/webhooks/${w.hook.id}/${'x'.repeat(68)}`,
    );
    const outbox = w.outbox({ defaultWebhook: other.url });
    const wf = await w.workflow();
    w.warp();
    expect(await outbox.deliverReport(wf, w.report(wf, 'fallback'), never)).toEqual({ kind: 'delivered' });
    const parts = await w.store.listDeliveryParts(wf.id);
    expect(parts.map((p) => p.target)).toEqual(parts.map(() => 'webhook:default'));
    const refused = w.emu.timeline().filter((e) => e.status >= 400 && e.status < 500 && e.status !== 429);
    // One refusal per part at most: the broken target is dropped for the rest of the delivery.
    expect(refused.length).toBe(1);
  });

  it('after a crash mid-delivery, a new process sends only the parts not confirmed, with no duplicate', async () => {
    const w = await world();
    w.warp();
    const wf = await w.workflow();
    const report = w.report(wf, 'crash');
    const crashing = new AbortController();
    const first = w.outbox({ botToken: w.emu.application.botToken });
    const watcher = setInterval(() => {
      if (markerCounts(w.emu, w.channelId).size >= 2) crashing.abort(new Error('simulated crash'));
    }, 1);
    cleanups.push(() => clearInterval(watcher));
    const r1 = await first.deliverReport(wf, report, crashing.signal);
    expect(r1.kind).toBe('retry');
    const before = await w.store.listDeliveryParts(wf.id);
    const sentBefore = before.filter((p) => p.status === 'sent');
    expect(sentBefore.length).toBeGreaterThanOrEqual(1);
    expect(sentBefore.length).toBeLessThan(before.length);

    // A fresh process: new store connection, new outbox; the parts marked sent survive and are not re-sent.
    const store2 = new SqliteWorkflowStore({ filename: w.dbPath });
    cleanups.push(() => store2.close());
    const limiter = new RateLimiter({ clock: w.clock });
    const logger = createLogger({ level: 'silent' });
    const second = new DeliveryOutbox({
      store: store2,
      clock: w.clock,
      logger,
      secretBox: w.secretBox,
      rest: new DiscordRestClient({
        transport: new UndiciTransport({ apiBase: w.emu.apiBase, botToken: w.emu.application.botToken }),
        logger,
        limiter,
      }),
      apiBase: w.emu.apiBase,
      allowApiBaseWebhooks: true,
      botToken: w.emu.application.botToken,
    });
    expect(await second.deliverReport(wf, report, never)).toEqual({ kind: 'delivered' });
    const after = await store2.listDeliveryParts(wf.id);
    for (const p of sentBefore)
      expect(after.find((a) => a.partKey === p.partKey)?.messageId).toBe(p.messageId);
    const counts = markerCounts(w.emu, w.channelId);
    expect(counts.size).toBe(after.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
  it('stops a delivery whose run lost its lease before the next part is sent, and leaves the rest to the new run', async () => {
    const w = await world();
    const wf = await w.workflow();
    const report = w.report(wf, 'lease');
    const LEASE = 60_000;
    const first = await w.store.claim(wf.id, { owner: 'a', now: w.clock.now(), leaseMs: LEASE });
    expect(first?.runId).toBeTruthy();
    const leaseA = { workflowId: wf.id, runId: first?.runId ?? '' };
    let takeover: { workflowId: string; runId: string } | null = null;
    // Right after Discord confirms part 1, run A stalls past its lease and run B claims the workflow.
    const store = new Proxy(w.store, {
      get(target, key, receiver) {
        const v: unknown = Reflect.get(target, key, receiver);
        if (key !== 'markPartSent' || typeof v !== 'function') return v;
        return async (...args: unknown[]) => {
          await (v as (...a: unknown[]) => Promise<void>)(...args);
          if (takeover !== null) return;
          w.clock.advance(LEASE + 1);
          const b = await target.claim(wf.id, { owner: 'b', now: w.clock.now(), leaseMs: LEASE });
          takeover = { workflowId: wf.id, runId: b?.runId ?? '' };
        };
      },
    });
    const result = await w.outbox({ store }).deliverReport(wf, report, never, leaseA);
    expect(result).toEqual({ kind: 'lease_lost' });
    expect(takeover).not.toBeNull();
    const parts = await w.store.listDeliveryParts(wf.id);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    // One part out (marked in flight, then sent), and not even an attempt on the next: the run stopped before
    // writing or sending it.
    expect(parts.map((p) => [p.status, p.attempts])).toEqual([
      ['sent', 2],
      ...parts.slice(1).map(() => ['pending', 0]),
    ]);
    expect(markerCounts(w.emu, w.channelId).size).toBe(1);
    // The run that holds the lease delivers the rest, each part once.
    w.warp();
    expect(await w.outbox().deliverReport(wf, report, never, takeover)).toEqual({ kind: 'delivered' });
    const counts = markerCounts(w.emu, w.channelId);
    expect(counts.size).toBe(parts.length);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });
});
