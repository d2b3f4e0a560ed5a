// Intake recovery against a real SQLite store: every open intake is visited oldest first, unreadable ones are
// dead-lettered with their reason (never listed again), and 100 of them cannot starve a valid newer one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdjustableClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { SecretBox } from '../../src/core/secrets.js';
import type { DiscordMessage } from '../../src/discord-api/message.js';
import type { AppServices } from '../../src/discord/ports.js';
import { InteractionRouter } from '../../src/discord/router.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import type { WorkflowRequest } from '../../src/store/store.js';
import { AnalysisIntakes, type AnalysisIntake } from '../../src/workflow/intake.js';
import type { NoticeRecipient, Notices } from '../../src/workflow/notices.js';
import type { StartOutcome } from '../../src/workflow/types.js';
import { FakeTransport, jsonOf } from '../discord/fake-transport.js';

const T0 = 1_700_000_000_000;
const logger = createLogger({ level: 'silent' });
const box = new SecretBox('current-key-'.repeat(4));
const oldBox = new SecretBox('retired-key-'.repeat(4));

function intake(id: string, overrides: Partial<AnalysisIntake['interaction']> = {}): AnalysisIntake {
  return {
    url: `https://example.org/${id}`,
    depth: 'standard',
    interaction: {
      id,
      applicationId: '4242424242',
      token: `token-${id}`,
      createdAt: T0,
      guildId: '900',
      channelId: '901',
      userId: '902',
      isAdmin: false,
      ...overrides,
    },
  };
}

class RecordingEngine {
  readonly started: WorkflowRequest[] = [];
  async start(request: WorkflowRequest): Promise<StartOutcome> {
    this.started.push(request);
    return {
      kind: 'started',
      workflow: { id: `wf-${request.interactionId ?? '?'}` } as Extract<
        StartOutcome,
        { kind: 'started' }
      >['workflow'],
    };
  }
}

class RecordingNotices implements Notices {
  readonly told: { to: NoticeRecipient; message: DiscordMessage }[] = [];
  async tell(to: NoticeRecipient, message: DiscordMessage): Promise<boolean> {
    this.told.push({ to, message });
    return true;
  }
}

let dir: string;
let store: SqliteWorkflowStore;
let clock: AdjustableClock;
let engine: RecordingEngine;
let notices: RecordingNotices;

function intakes(pageSize = 100): AnalysisIntakes {
  return new AnalysisIntakes({
    store,
    engine,
    secretBox: box,
    clock,
    logger,
    owner: 'test-process',
    // A default webhook makes every request reachable, so recovery starts it rather than refusing it.
    targets: {
      store,
      secretBox: box,
      clock,
      defaultWebhook: 'https://discord.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz',
    },
    notices,
    graceMs: 10_000,
    pageSize,
  });
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autointel-intake-recovery-'));
  store = new SqliteWorkflowStore({ filename: join(dir, 'autointel.db') });
  await store.migrate();
  clock = new AdjustableClock(T0 + 60_000);
  engine = new RecordingEngine();
  notices = new RecordingNotices();
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Intakes over this test's store whose engine is `engine` (reaching members through the bot token). */
function intakesWith(
  engine: ConstructorParameters<typeof AnalysisIntakes>[0]['engine'],
  extra: Partial<ConstructorParameters<typeof AnalysisIntakes>[0]> = {},
): AnalysisIntakes {
  return new AnalysisIntakes({
    store,
    engine,
    secretBox: box,
    clock,
    logger,
    owner: 'p',
    targets: { store, secretBox: box, clock, botToken: 'bot-token' },
    notices,
    ...extra,
  });
}

describe('intake recovery', () => {
  it('GIVEN 100 intakes sealed with a retired key and 1 valid newer one WHEN recovering THEN the valid one is started and the 100 are dead-lettered', async () => {
    for (let n = 0; n < 100; n++) {
      const id = `dead-${String(n).padStart(3, '0')}`;
      await store.claimInteraction(id, 'dead-process', T0 + n, oldBox.seal(JSON.stringify(intake(id))));
    }
    await store.claimInteraction(
      'valid',
      'dead-process',
      T0 + 500,
      box.seal(JSON.stringify(intake('valid'))),
    );

    const report = await intakes(100).recover();

    expect(report).toEqual({ started: 1, refused: 0, deadLettered: 100, failed: 0 });
    expect(engine.started.map((r) => r.interactionId)).toEqual(['valid']);
    const dead = await store.listDeadIntakes({ limit: 1000 });
    expect(dead).toHaveLength(100);
    expect(dead.every((d) => d.reason.code === 'intake.unreadable')).toBe(true);
    // Nothing in an unreadable intake names a member or a channel: nobody can be told.
    expect(notices.told).toEqual([]);
    expect(await store.listOpenIntakes({ before: clock.now(), limit: 1000 })).toEqual([]);
    // A second pass finds nothing to do: dead letters are never listed again, the started one is complete.
    expect(await intakes(100).recover()).toEqual({ started: 0, refused: 0, deadLettered: 0, failed: 0 });
  });

  it('pages through every open intake even when the page is smaller than the number of open rows', async () => {
    for (let n = 0; n < 7; n++) {
      const id = `ok-${n}`;
      await store.claimInteraction(id, 'dead-process', T0 + 1, box.seal(JSON.stringify(intake(id))));
    }
    const report = await intakes(2).recover();
    expect(report.started).toBe(7);
    expect(engine.started.map((r) => r.interactionId)).toEqual([
      'ok-0',
      'ok-1',
      'ok-2',
      'ok-3',
      'ok-4',
      'ok-5',
      'ok-6',
    ]);
  });

  it('leaves intakes younger than the grace period to the process still handling them', async () => {
    await store.claimInteraction(
      'fresh',
      'live-process',
      clock.now() - 1_000,
      box.seal(JSON.stringify(intake('fresh'))),
    );
    expect((await intakes().recover()).started).toBe(0);
    expect(engine.started).toEqual([]);
  });

  it('dead-letters a malformed intake with its reason and tells the member in the channel it names', async () => {
    const broken = {
      url: 'https://example.org/x',
      depth: 'bottomless',
      interaction: { id: 'bad', channelId: '901', guildId: '900', userId: '902' },
    };
    await store.claimInteraction('bad', 'dead-process', T0, box.seal(JSON.stringify(broken)));
    await store.claimInteraction('junk', 'dead-process', T0 + 1, box.seal('{not json'));

    const report = await intakes().recover();

    expect(report).toMatchObject({ started: 0, deadLettered: 2 });
    const dead = await store.listDeadIntakes({ limit: 10 });
    expect(dead.map((d) => [d.interactionId, d.reason.code]).sort()).toEqual([
      ['bad', 'intake.malformed'],
      ['junk', 'intake.malformed'],
    ]);
    expect(notices.told).toHaveLength(1);
    expect(notices.told[0]?.to).toMatchObject({ interactionId: 'bad', channelId: '901', userId: '902' });
    expect(notices.told[0]?.message.content).toContain('run /autointel again');
  });

  it('keeps an intake open when the engine fails, and starts it on a later pass', async () => {
    await store.claimInteraction('flaky', 'dead-process', T0, box.seal(JSON.stringify(intake('flaky'))));
    const failing = intakesWith({ start: () => Promise.reject(new Error('database is locked')) });
    expect(await failing.recover()).toMatchObject({ failed: 1, started: 0 });
    expect(await store.listDeadIntakes({ limit: 10 })).toEqual([]);
    expect((await intakes().recover()).started).toBe(1);
  });

  it('gives up on an intake whose start keeps failing past the limit: dead-lettered with the last error, member told', async () => {
    await store.claimInteraction('doomed', 'dead-process', T0, box.seal(JSON.stringify(intake('doomed'))));
    const failing = intakesWith(
      {
        start: () => Promise.reject(new Error('password=hunter2 host=db.internal: connection refused')),
      },
      { giveUpAfterMs: 30 * 60_000 },
    );
    // clock is T0 + 1 min: still within the limit, so it stays open.
    expect(await failing.recover()).toMatchObject({ failed: 1, deadLettered: 0 });
    clock.advance(30 * 60_000);
    expect(await failing.recover()).toMatchObject({ failed: 0, deadLettered: 1 });
    const [dead] = await store.listDeadIntakes({ limit: 10 });
    expect(dead?.reason.code).toBe('intake.start_failed');
    expect(dead?.reason.message).toContain('connection refused');
    expect(dead?.reason.message).not.toContain('hunter2');
    expect(notices.told.at(-1)?.message.content).toMatch(
      /could not start it for 30 minutes.*run \/autointel again/,
    );
    // Nothing left to retry.
    expect(await failing.recover()).toEqual({ started: 0, refused: 0, deadLettered: 0, failed: 0 });
  });

  it('tells the member about the earlier report a recovered request was answered with (nothing else would arrive)', async () => {
    await store.claimInteraction('again', 'dead-process', T0, box.seal(JSON.stringify(intake('again'))));
    const offering = intakesWith({
      start: async (_r, options) => {
        expect(options).toEqual({ offerEarlier: true });
        return { kind: 'earlier', workflowId: 'wf-before', finishedAt: T0 - 86_400_000 };
      },
    });
    expect(await offering.recover()).toMatchObject({ started: 1 });
    expect(notices.told).toHaveLength(1);
    expect(notices.told[0]?.to).toMatchObject({ interactionId: 'again', channelId: '901' });
    expect(notices.told[0]?.message.content).toContain('/retrieve_results workflow_id:wf-before');
    expect(await store.listOpenIntakes({ before: clock.now(), limit: 10 })).toEqual([]);
  });
});

describe('a store that refuses writes', () => {
  it('GIVEN a read-only store WHEN /autointel arrives THEN the bot refuses it with an ephemeral error and starts nothing', async () => {
    const readOnly = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'claimInteraction')
          return () =>
            Promise.reject(
              Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }),
            );
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const useCase = new AnalysisIntakes({
      store: readOnly,
      engine,
      secretBox: box,
      clock,
      logger,
      owner: 'p',
      targets: { store: readOnly, secretBox: box, clock, botToken: 'bot-token' },
      notices,
    });
    const transport = new FakeTransport();
    const services: AppServices = {
      startAnalysis: (r) => useCase.start(r),
      status: async () => ({ kind: 'not_found', reason: 'none' }),
      retrieve: async () => ({ kind: 'not_found', reason: 'none' }),
      cancel: async () => ({ kind: 'not_found', reason: 'none' }),
      configureWebhook: async () => ({ kind: 'invalid', reason: 'none' }),
      search: async () => ({ content: 'none' }),
      interactionUnreachable: async () => undefined,
    };
    const router = new InteractionRouter({
      services,
      clock,
      logger,
      transport,
      claim: (id, i) => useCase.claim(id, i),
    });
    const id = (((BigInt(clock.now()) - 1_420_070_400_000n) << 22n) + 7n).toString();
    await router.handleGatewayInteraction({
      id,
      application_id: '4242424242',
      type: 2,
      token: 'tok',
      guild_id: '900',
      channel_id: '901',
      member: { user: { id: '902' }, permissions: '0' },
      data: {
        name: 'autointel',
        type: 1,
        options: [{ name: 'url', type: 3, value: 'https://example.com/a' }],
      },
    });
    await router.idle();
    expect(transport.requests).toHaveLength(1);
    expect(transport.requests[0]?.path).toMatch(/\/callback$/);
    expect(jsonOf(transport.requests[0])).toMatchObject({
      type: 4,
      data: { flags: 64, content: expect.stringContaining('could not record this request') },
    });
    expect(engine.started).toEqual([]);
  });
});
