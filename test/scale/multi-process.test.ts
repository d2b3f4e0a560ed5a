// Scale-out end to end as OS processes: 2 HTTP front ends behind a round-robin balancer and 3 workers on one
// PostgreSQL + Redis take 300 /autointel requests through 5 × kill -9 of a worker; every report is delivered exactly
// once, and a cancel handled by a front end stops a stage running on a worker.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '@autointel/discord-emulator';
import {
  checkPostgres,
  checkRedis,
  createTestSchema,
  postgresTestUrl,
  redisTestUrl,
  uniqueRedisPrefix,
  type TestSchema,
} from '../support/services.js';
import { cliPath, scaleOutEnv, spawnAutointel, stopAll, type SpawnedProcess } from './processes.js';
import { existsSync } from 'node:fs';

const REQUESTS = 300;
const KILLS = 5;
const FRONT_ENDS = 2;
const WORKERS = 3;
/** Requests in flight at once from the emulator: Discord sends them concurrently, too. */
const FIRE_PARALLELISM = 6;
const RUN_BOUND_MS = 330_000;
const MARKER = /autointel • workflow (\S+) • part (\d+)\/(\d+)/g;

const pgCheck = await checkPostgres();
const redisCheck = await checkRedis();
const built = existsSync(cliPath);
const skipReason = !pgCheck.available
  ? pgCheck.reason
  : !redisCheck.available
    ? redisCheck.reason
    : !built
      ? `${cliPath} is missing: run \`npx tsc -p tsconfig.build.json\``
      : null;
if (skipReason !== null) console.warn(`multi-process scale-out suite skipped: ${skipReason}`);

const STARTED = /autointel started/;
const isStarted = (p: SpawnedProcess): boolean => p.lines.some((l) => STARTED.test(l));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(150);
  }
}

/** Small, distinct, real article pages: the acquirer fetches them over HTTP and the analysis reads them. */
function startPageServer(): Promise<{ server: Server; base: string }> {
  const topics = ['harbour', 'railway', 'library', 'reservoir', 'school', 'bridge', 'clinic', 'market'];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const slow = /^\/slow\/(\d+)$/.exec(url.pathname);
    if (slow !== null) {
      // A page that takes minutes to arrive: the stage running it is the one a cancel must stop.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.write('<!doctype html><html><head><title>Slow</title></head><body><article>');
      const timer = setInterval(() => res.write('<p>The council met again today. </p>'), 250);
      const stop = (): void => clearInterval(timer);
      res.on('close', stop);
      setTimeout(() => {
        stop();
        res.end('</article></body></html>');
      }, 240_000).unref();
      return;
    }
    const m = /^\/page\/(\d+)$/.exec(url.pathname);
    if (m === null) {
      res.writeHead(404).end();
      return;
    }
    const n = Number(m[1]);
    const topic = topics[n % topics.length] ?? 'harbour';
    const body = [
      `<h1>Council report ${n}: the ${topic} plan</h1>`,
      `<p>The city council approved ${n + 12} million euros for the ${topic} on Tuesday, Mayor Ana Ruiz said.</p>`,
      `<p>According to the council, ${(n % 40) + 10} percent of residents use the ${topic} every week.</p>`,
      `<p>Critics argue the ${topic} budget rose by ${(n % 9) + 2} percent since 2021 while services fell.</p>`,
      `<p>Work starts in ${2026 + (n % 3)} and the council expects it to take ${(n % 5) + 2} years.</p>`,
    ].join('\n');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(
      `<!doctype html><html lang="en"><head><title>Report ${n}</title></head><body><article>${body}</article></body></html>`,
    );
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }),
    ),
  );
}

/** The load balancer: raw bytes and signature headers go unchanged to the front ends, in turn. */
function startBalancer(
  targets: readonly string[],
): Promise<{ server: Server; url: string; counts: number[] }> {
  const counts = targets.map(() => 0);
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const i = next++ % targets.length;
      counts[i] = (counts[i] ?? 0) + 1;
      const target = new URL(req.url ?? '/', targets[i]);
      const headers = { ...req.headers, host: target.host };
      const up = request(target, { method: req.method ?? 'POST', headers }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      });
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      up.end(Buffer.concat(chunks));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts }),
    ),
  );
}

const closeServer = (s: Server): Promise<void> =>
  new Promise((r) => {
    s.closeAllConnections();
    s.close(() => r());
  });

interface Row {
  id: string;
  interaction_id: string | null;
  status: string;
  attempts: number;
  lease_owner: string | null;
  delivery_state: string | null;
}

interface KillRecord {
  readonly worker: string;
  readonly pid: number;
  readonly killedAt: number;
  /** Workflows waiting in the queue at the kill: a stalled job goes back behind them (same depth priority). */
  readonly queuedAtKill: number;
  /** Workflows the killed worker held a lease on, and when another worker took each over. */
  readonly held: { id: string; resumedAfterMs: number | null; by: string | null }[];
}

describe.skipIf(skipReason !== null)('scale-out: 2 front ends + 3 workers as processes', () => {
  let emu: DiscordEmulator;
  let schema: TestSchema;
  let db: pg.Pool;
  let pages: { server: Server; base: string };
  let balancer: { server: Server; url: string; counts: number[] };
  let dataDir: string;
  let env: Record<string, string>;
  let guildId: string;
  let channelId: string;
  let userId: string;
  let prefix: string;
  const fronts: SpawnedProcess[] = [];
  const workers: SpawnedProcess[] = [];
  const retired: SpawnedProcess[] = [];

  const rows = async (): Promise<Row[]> =>
    (
      await db.query<Row>(
        'SELECT id, interaction_id, status, attempts, lease_owner, delivery_state FROM workflows',
      )
    ).rows;

  const startWorker = async (i: number): Promise<SpawnedProcess> => {
    const w = spawnAutointel({ name: `worker-${i}`, args: ['worker'], env });
    await w.waitForLine(STARTED, 60_000);
    return w;
  };

  beforeAll(async () => {
    emu = await DiscordEmulator.start({ rateLimits: { enabled: false } });
    const guild = emu.createGuild();
    guildId = guild.id;
    channelId = emu.createChannel({ guildId }).id;
    userId = emu.createUser().id;
    emu.addMember({ guildId, userId, admin: true });
    const hook = emu.createWebhook({ channelId, name: 'autointel reports' });
    schema = await createTestSchema();
    const databaseUrl = `${postgresTestUrl()}?options=${encodeURIComponent(`-c search_path=${schema.schema}`)}`;
    db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    pages = await startPageServer();
    dataDir = mkdtempSync(join(tmpdir(), 'autointel-scale-'));
    prefix = uniqueRedisPrefix();
    env = scaleOutEnv({
      databaseUrl,
      redisUrl: redisTestUrl(),
      secretKey: randomBytes(32).toString('hex'),
      discordApiBase: emu.apiBase,
      dataDir,
      extra: {
        AUTOINTEL_QUEUE_PREFIX: prefix,
        DISCORD_TOKEN: emu.application.botToken,
        DISCORD_APPLICATION_ID: emu.application.id,
        DISCORD_PUBLIC_KEY: emu.application.publicKeyHex,
        DISCORD_WEBHOOK: hook.url,
        AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
        AUTOINTEL_FRESHNESS_MINUTES: '0',
        AUTOINTEL_USER_QUOTA_PER_HOUR: '0',
        AUTOINTEL_GUILD_CONCURRENCY: '16',
        AUTOINTEL_CONCURRENCY: '2',
      },
    });
    // Front ends first: the first process to start migrates the fresh schema (under an advisory lock anyway).
    for (let i = 0; i < FRONT_ENDS; i++) {
      fronts.push(
        spawnAutointel({
          name: `front-${i}`,
          args: ['bot', '--no-worker'],
          env: { ...env, AUTOINTEL_MODE: 'http', HOST: '127.0.0.1', PORT: '0' },
        }),
      );
    }
    const urls = await Promise.all(
      fronts.map(async (f) => {
        const line = await f.waitForLine(/autointel started/, 60_000);
        const httpUrl = (JSON.parse(line) as { httpUrl?: unknown }).httpUrl;
        if (typeof httpUrl !== 'string') throw new Error(`${f.name} started without an HTTP URL: ${line}`);
        return httpUrl;
      }),
    );
    balancer = await startBalancer(urls);
    await emu.setInteractionsEndpoint(`${balancer.url}/interactions`);
    for (let i = 0; i < WORKERS; i++) workers.push(await startWorker(i));
  }, 180_000);

  afterAll(async () => {
    await stopAll([...fronts, ...workers, ...retired], 5_000);
    // AUTOINTEL_SCALE_LOG_DIR keeps every process's log lines, to follow one workflow across machines.
    const logDir = process.env['AUTOINTEL_SCALE_LOG_DIR'];
    if (logDir !== undefined) {
      mkdirSync(logDir, { recursive: true });
      for (const p of [...fronts, ...workers, ...retired]) {
        writeFileSync(join(logDir, `${p.name}-${p.child.pid}.log`), `${p.lines.join('\n')}\n`);
      }
    }
    if (balancer !== undefined) await closeServer(balancer.server);
    if (pages !== undefined) await closeServer(pages.server);
    await db?.end();
    await schema?.drop();
    await emu?.close();
    if (prefix !== undefined) {
      const redis = new Redis(redisTestUrl());
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it(`delivers ${REQUESTS} workflows exactly once through ${KILLS} × kill -9 of a worker`, async () => {
    const started = Date.now();
    const interactionIds: string[] = [];
    const badAcks: unknown[] = [];
    let fired = 0;
    const firing = (async () => {
      const fireOne = async (): Promise<void> => {
        for (;;) {
          const n = fired++;
          if (n >= REQUESTS) return;
          const r = await emu.fireSlashCommand({
            guildId,
            channelId,
            userId,
            name: 'autointel',
            options: [
              { name: 'url', type: 3, value: `${pages.base}/page/${n}` },
              { name: 'depth', type: 3, value: 'standard' },
            ],
          });
          interactionIds.push(r.interactionId);
          if (r.httpResponse?.status !== 200) badAcks.push(r.httpResponse);
        }
      };
      await Promise.all(Array.from({ length: FIRE_PARALLELISM }, fireOne));
      return Date.now() - started;
    })();

    // kill -9 a worker that holds leases, at random moments while the requests are being worked on.
    const kills: KillRecord[] = [];
    const resumeWatch: Promise<void>[] = [];
    const restarts: Promise<string>[] = [];
    for (let k = 0; k < KILLS; k++) {
      await sleep(1_000 + Math.floor(Math.random() * 3_000));
      // A random worker at a random moment, at the first instant it holds a lease (within 5 s): the kill orphans work.
      // Only a worker that finished starting: a restarted one comes back while the next kill is being chosen.
      const ready = await until(
        () => {
          const r = workers.map((w, i) => ({ w, i })).filter(({ w }) => isStarted(w));
          return r.length > 0 ? r : undefined;
        },
        'a started worker',
        60_000,
      );
      const chosen = ready[Math.floor(Math.random() * ready.length)];
      if (chosen === undefined) throw new Error('no worker to kill');
      const { w, i } = chosen;
      const pid = w.child.pid ?? -1;
      let running: Row[] = [];
      let queued = 0;
      for (let tries = 0; tries < 50; tries++) {
        const now = await rows();
        queued = now.filter((r) => r.status === 'queued').length;
        running = now.filter((r) => r.status === 'running' && r.lease_owner?.includes(`:${pid}:`) === true);
        if (running.length > 0) break;
        await sleep(100);
      }
      const owner = running[0]?.lease_owner ?? null;
      const heldIds = running.filter((r) => r.lease_owner === owner && owner !== null).map((r) => r.id);
      await w.kill9();
      const record: KillRecord = {
        worker: w.name,
        pid,
        killedAt: Date.now(),
        queuedAtKill: queued,
        held: heldIds.map((id) => ({ id, resumedAfterMs: null, by: null })),
      };
      kills.push(record);
      retired.push(w);
      // The resume of each orphaned workflow: its lease passes to another owner (or it is finished by one).
      resumeWatch.push(
        (async () => {
          for (const h of record.held) {
            const row = await until(
              async () => {
                const r = (
                  await db.query<Row>('SELECT status, lease_owner, attempts FROM workflows WHERE id = $1', [
                    h.id,
                  ])
                ).rows[0];
                if (r === undefined) return undefined;
                if (r.lease_owner !== null && r.lease_owner !== owner) return r;
                if (r.status === 'completed' || r.status === 'failed' || r.status === 'cancelled') return r;
                return undefined;
              },
              `workflow ${h.id} to resume after kill of ${w.name}`,
              120_000,
            );
            h.resumedAfterMs = Date.now() - record.killedAt;
            h.by = row.lease_owner;
          }
        })(),
      );
      const replacement = spawnAutointel({ name: `worker-${i}`, args: ['worker'], env });
      workers[i] = replacement;
      restarts.push(replacement.waitForLine(STARTED, 60_000));
    }
    const firedMs = await firing;
    expect(badAcks).toEqual([]);
    expect(interactionIds).toHaveLength(REQUESTS);

    const all = await until(
      async () => {
        const r = await rows();
        const done = r.filter(
          (x) =>
            x.status !== 'queued' &&
            x.status !== 'running' &&
            x.delivery_state !== 'pending' &&
            x.delivery_state !== 'delivering',
        );
        return r.length >= REQUESTS && done.length === r.length ? r : undefined;
      },
      `${REQUESTS} workflows finished and delivered`,
      RUN_BOUND_MS,
    );
    await Promise.all(resumeWatch);
    await Promise.all(restarts);
    const elapsedMs = Date.now() - started;

    // Exactly one workflow per interaction, every one completed and delivered.
    const byInteraction = new Map(all.map((r) => [r.interaction_id, r]));
    const lost = interactionIds.filter((id) => byInteraction.get(id) === undefined);
    const notCompleted = all.filter((r) => r.status !== 'completed');
    const notDelivered = all.filter((r) => r.delivery_state !== 'delivered');

    // Every part of every report is in the channel exactly once (footer markers).
    const seen = new Map<string, number>();
    const totals = new Map<string, number>();
    for (const m of emu.messages(channelId)) {
      if (m.deleted === true) continue;
      const text = `${m.content}\n${JSON.stringify(m.embeds)}`;
      const markers = new Set([...text.matchAll(MARKER)].map((x) => `${x[1]} ${x[2]}/${x[3]}`));
      for (const key of markers) {
        seen.set(key, (seen.get(key) ?? 0) + 1);
        const [id, part] = key.split(' ');
        totals.set(id ?? '', Number(part?.split('/')[1]));
      }
    }
    const duplicates = [...seen].filter(([, n]) => n > 1);
    const missingParts: string[] = [];
    for (const r of all) {
      const total = totals.get(r.id);
      if (total === undefined) {
        missingParts.push(`${r.id}: no part`);
        continue;
      }
      for (let p = 1; p <= total; p++)
        if (!seen.has(`${r.id} ${p}/${total}`)) missingParts.push(`${r.id} ${p}/${total}`);
    }

    const resumes = kills.flatMap((k) => k.held.map((h) => h.resumedAfterMs ?? Number.NaN));
    const summary = {
      requests: interactionIds.length,
      workflows: all.length,
      completed: all.length - notCompleted.length,
      delivered: all.length - notDelivered.length,
      partsInChannel: [...seen.values()].reduce((a, b) => a + b, 0),
      distinctParts: seen.size,
      duplicates: duplicates.length,
      lost: lost.length,
      resumedAfterAttemptsAbove1: all.filter((r) => r.attempts > 1).length,
      balancer: balancer.counts,
      allAcknowledgedSeconds: Math.round(firedMs / 100) / 10,
      runSeconds: Math.round(elapsedMs / 100) / 10,
    };
    console.log(`scale-out run: ${JSON.stringify(summary)}`);
    // When a surviving worker's stalled check handed each orphaned job back (its own log line), to split the wait.
    const stalledAt = new Map<string, number[]>();
    for (const p of [...workers, ...retired]) {
      for (const line of p.lines) {
        if (!line.includes('stalled job moved back to wait')) continue;
        const entry = JSON.parse(line) as { workflowId?: unknown; time?: unknown };
        if (typeof entry.workflowId === 'string' && typeof entry.time === 'number') {
          stalledAt.set(entry.workflowId, [...(stalledAt.get(entry.workflowId) ?? []), entry.time]);
        }
      }
    }
    for (const k of kills) {
      const detail = k.held.map((h) => {
        // A workflow can be orphaned by two kills: take the first hand-back after this one.
        const stalled = (stalledAt.get(h.id) ?? []).filter((t) => t >= k.killedAt).sort((a, b) => a - b)[0];
        const seen = stalled === undefined ? '?' : String(stalled - k.killedAt);
        return `${h.resumedAfterMs} (stalled-check after ${seen})`;
      });
      console.log(
        `kill -9 ${k.worker} (pid ${k.pid}) with ${k.queuedAtKill} queued, held ${k.held.length} workflow(s); kill→resume ms: ${
          detail.join(', ') || 'none held'
        }`,
      );
    }
    if (resumes.length > 0) {
      const sorted = [...resumes].sort((a, b) => a - b);
      console.log(
        `kill→resume over ${sorted.length} orphaned workflows: min ${sorted[0]} ms, median ${
          sorted[Math.floor(sorted.length / 2)]
        } ms, max ${sorted[sorted.length - 1]} ms`,
      );
    }

    expect(lost).toEqual([]);
    expect(all).toHaveLength(REQUESTS);
    expect(notCompleted.map((r) => `${r.id}:${r.status}`)).toEqual([]);
    expect(notDelivered.map((r) => `${r.id}:${r.delivery_state}`)).toEqual([]);
    expect(duplicates).toEqual([]);
    expect(missingParts).toEqual([]);
    expect(kills).toHaveLength(KILLS);
    // At least one kill hit a worker mid-workflow, and every workflow it held was taken over by another worker.
    expect(resumes.length).toBeGreaterThan(0);
    expect(resumes.every((ms) => Number.isFinite(ms))).toBe(true);
    // Both front ends answered interactions.
    expect(balancer.counts.every((c) => c > 0)).toBe(true);
  }, 360_000);

  it('a cancel answered by a front end stops the stage running on a worker: the workflow ends cancelled', async () => {
    const subscriber = new Redis(redisTestUrl());
    const published: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => published.push(message));
    await subscriber.subscribe(`${prefix}:workflows:cancel`);
    try {
      const fired = await emu.fireSlashCommand({
        guildId,
        channelId,
        userId,
        name: 'autointel',
        options: [
          { name: 'url', type: 3, value: `${pages.base}/slow/1` },
          { name: 'depth', type: 3, value: 'standard' },
        ],
      });
      const running = await until(
        async () =>
          (
            await db.query<Row>(
              `SELECT id, status, lease_owner FROM workflows WHERE interaction_id = $1 AND status = 'running'`,
              [fired.interactionId],
            )
          ).rows[0],
        'the slow workflow to run on a worker',
        60_000,
      );
      expect(workers.some((w) => running.lease_owner?.includes(`:${w.child.pid}:`))).toBe(true);
      const cancelAt = Date.now();
      const cancel = await emu.fireSlashCommand({
        guildId,
        channelId,
        userId,
        name: 'autointel_cancel',
        options: [{ name: 'workflow_id', type: 3, value: running.id }],
      });
      expect(cancel.httpResponse?.status).toBe(200);
      const ended = await until(
        async () => {
          const r = (
            await db.query<Row>('SELECT id, status, lease_owner FROM workflows WHERE id = $1', [running.id])
          ).rows[0];
          return r !== undefined && r.status !== 'running' && r.status !== 'queued' ? r : undefined;
        },
        'the cancelled workflow to stop',
        60_000,
      );
      console.log(`cross-machine cancel: running → ${ended.status} in ${Date.now() - cancelAt} ms`);
      expect(ended.status).toBe('cancelled');
      // The front end, which runs no stage, told the workers over Redis rather than leaving it to a heartbeat.
      expect(published).toContain(running.id);
    } finally {
      subscriber.disconnect();
    }
  }, 120_000);
});
