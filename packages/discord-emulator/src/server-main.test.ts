// The emulator as a separate OS process, driven only through its HTTP control API and Discord's REST routes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from './rest-client.js';
import { optionsFrom } from './server-main.js';

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(packageDir, 'dist', 'server-main.js');

let child: ChildProcessWithoutNullStreams;
let info: {
  baseUrl: string;
  apiBase: string;
  application: { id: string; botToken: string; publicKeyHex: string };
};

async function control<T>(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${info.baseUrl}/_emulator/${route}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

beforeAll(async () => {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  child = spawn(process.execPath, [entry], {
    env: { ...process.env, PORT: '0', EMULATOR_HEARTBEAT_MS: '1000' },
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${String(code)}`)));
  });
  info = JSON.parse(line) as typeof info;
});

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

describe('server-main in its own process', () => {
  it('prints baseUrl, apiBase and the application credentials as one JSON line', () => {
    expect(info.apiBase).toBe(`${info.baseUrl}/api`);
    expect(info.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.application.publicKeyHex).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the control API mirrors the programmatic one: world, interactions, clock, messages, timeline, faults, stats', async () => {
    const guild = (await control<{ id: string }>('POST', 'guilds', { name: 'g' })).body;
    const channel = (await control<{ id: string }>('POST', 'channels', { guildId: guild.id })).body;
    const user = (await control<{ id: string }>('POST', 'users', { username: 'bob' })).body;
    expect(
      (await control('POST', 'members', { guildId: guild.id, userId: user.id, admin: true })).status,
    ).toBe(200);
    const hook = (
      await control<{ id: string; token: string; url: string }>('POST', 'webhooks', { channelId: channel.id })
    ).body;
    expect(hook.url).toBe(`${info.apiBase}/webhooks/${hook.id}/${hook.token}`);

    const fired = (
      await control<{ interactionId: string; token: string }>('POST', 'interactions', {
        guildId: guild.id,
        channelId: channel.id,
        userId: user.id,
        name: 'autointel',
        options: [{ name: 'url', type: 3, value: 'https://example.com' }],
      })
    ).body;
    const cb = await callApi(info.apiBase, {
      method: 'POST',
      path: `/interactions/${fired.interactionId}/${fired.token}/callback`,
      body: { type: 4, data: { content: 'done' } },
    });
    expect(cb.status).toBe(204);
    const view = (await control<{ state: string }>('GET', `interactions/${fired.interactionId}`)).body;
    expect(view.state).toBe('replied');

    const fault = (
      await control<{ id: number }>('POST', 'faults', {
        route: '/webhooks/:webhook_id/:token',
        kind: 'error_5xx',
        times: 1,
      })
    ).body;
    expect(fault.id).toBeGreaterThan(0);
    const failed = await callApi(info.apiBase, {
      method: 'POST',
      path: `/webhooks/${hook.id}/${hook.token}?wait=true`,
      body: { content: 'x' },
    });
    expect(failed.status).toBe(500);
    await callApi(info.apiBase, {
      method: 'POST',
      path: `/webhooks/${hook.id}/${hook.token}?wait=true`,
      body: { content: 'via hook' },
    });

    const messages = (await control<{ content: string }[]>('GET', `channels/${channel.id}/messages`)).body;
    expect(messages.map((m) => m.content)).toEqual(['done', 'via hook']);

    const before = (await control<{ now: number }>('GET', 'clock')).body.now;
    const after = (await control<{ now: number }>('POST', 'clock/advance', { ms: 60_000 })).body.now;
    expect(after - before).toBeGreaterThanOrEqual(60_000);

    const timeline = (await control<{ route: string; status: number }[]>('GET', 'timeline')).body;
    expect(
      timeline.some((t) => t.route === '/interactions/:interaction_id/:token/callback' && t.status === 204),
    ).toBe(true);
    expect(JSON.stringify(timeline)).not.toContain(hook.token);
    const stats = (await control<{ requests: number; errorsByCode: Record<string, number> }>('GET', 'stats'))
      .body;
    expect(stats.errorsByCode['0']).toBe(1);
    expect(stats.requests).toBe(3);

    const bad = await control<{ error: string }>('POST', 'channels', {});
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/guildId/);
  });
});

describe('optionsFrom', () => {
  it('reads flags over env and refuses unknown or malformed ones', () => {
    expect(optionsFrom(['--port', '0', '--heartbeat-ms', '250', '--no-rate-limits'], {})).toEqual({
      port: 0,
      heartbeatIntervalMs: 250,
      rateLimits: { enabled: false },
    });
    expect(optionsFrom([], { PORT: '4000', EMULATOR_RATE_LIMITS: 'off' })).toEqual({
      port: 4000,
      rateLimits: { enabled: false },
    });
    expect(() => optionsFrom(['--port', '-1'], {})).toThrow(/--port/);
    expect(() => optionsFrom(['--verbose'], {})).toThrow(/unknown argument/);
  });
});
