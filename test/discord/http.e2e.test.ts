// HTTP endpoint mode end to end: the emulator signs and POSTs interactions to our node:http server.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/core/clock.js';
import { createHttpFrontEnd, type HttpFrontEnd } from '../../src/discord/http-endpoint.js';
import type { InMemoryAppServices } from '../support/in-memory-services.js';
import { PromFrontEndMetrics } from '../../src/discord/metrics.js';
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
let fe: HttpFrontEnd;
const cleanups: (() => Promise<void> | void)[] = [];

beforeEach(async () => {
  world = await startWorld();
  const mem = memoryServices(world.emu);
  services = mem.services;
  cleanups.push(mem.close);
  fe = createHttpFrontEnd({
    publicKey: world.emu.application.publicKeyHex,
    applicationId: world.emu.application.id,
    apiBase: world.emu.apiBase,
    token: world.emu.application.botToken,
    clock: new SystemClock(),
    logger,
    services,
    host: '127.0.0.1',
    port: 0,
    metrics: new PromFrontEndMetrics({ mode: 'http' }),
    maxBodyBytes: 16 * 1024,
  });
  await fe.start();
  cleanups.push(() => fe.stop());
  // The emulator checks the endpoint like Discord: a bad signature must get 401 and a PING must get PONG.
  await world.emu.setInteractionsEndpoint(`${fe.url()}/interactions`);
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await world.emu.close();
});

const fire = (name: string, options: { name: string; type: number; value: string }[], userId?: string) =>
  world.emu.fireSlashCommand({
    guildId: world.guildId,
    channelId: world.channelId,
    userId: userId ?? world.userId,
    name,
    options,
  });

describe('HTTP interactions endpoint against the emulator', () => {
  it('returns the defer inline and then edits @original into the acknowledgement', async () => {
    const fired = await fire('autointel', [
      opt('url', 'https://example.com/podcast.mp3'),
      opt('depth', 'comprehensive'),
    ]);
    expect(fired.httpResponse).toEqual({ status: 200, body: { type: 5 } });
    const msg = await until(
      () => world.emu.messages(world.channelId).find((m) => m.content.includes('Analysis started')),
      'acknowledgement edit',
    );
    await fe.router.idle();
    const wf = services.workflows()[0];
    expect(msg.content).toContain(`workflow \`${wf?.id}\` (depth comprehensive)`);
    expect(world.emu.interaction(fired.interactionId)).toMatchObject({ responseType: 5, ephemeral: false });
    expect(callbacksFor(world.emu, fired.interactionId)).toHaveLength(0);
    expect(botFaults(world.emu)).toEqual({});
  });

  it('answers invalid input inline with an ephemeral type-4 message', async () => {
    const fired = await fire('autointel', [opt('url', 'gopher://example.com')]);
    expect(fired.httpResponse?.status).toBe(200);
    expect(fired.httpResponse?.body).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(world.emu.interaction(fired.interactionId)).toMatchObject({ state: 'replied', ephemeral: true });
    await fe.router.idle();
    expect(services.workflows()).toHaveLength(0);
    expect(botFaults(world.emu)).toEqual({});
  });

  it('answers retrieve/status/cancel with a malformed id inline and privately', async () => {
    for (const name of ['retrieve_results', 'autointel_status', 'autointel_cancel']) {
      const fired = await fire(name, [opt('workflow_id', '12345')]);
      expect(fired.httpResponse?.body).toMatchObject({
        type: 4,
        data: { flags: 64, content: expect.stringMatching(/not a workflow id/) },
      });
    }
    expect(botFaults(world.emu)).toEqual({});
  });

  it('defers cancel privately and confirms the cancellation privately', async () => {
    await fire('autointel', [opt('url', 'https://example.com/x')]);
    const wf = await until(() => services.workflows()[0], 'workflow');
    const fired = await fire('autointel_cancel', [opt('workflow_id', wf.id)]);
    expect(fired.httpResponse?.body).toEqual({ type: 5, data: { flags: 64 } });
    await until(
      () => world.emu.ephemeralMessages(fired.interactionId).find((m) => m.content.includes('cancelled')),
      'private confirmation',
    );
    await fe.router.idle();
    expect(wf.status).toBe('cancelled');
    expect(botFaults(world.emu)).toEqual({});
  });

  it('refuses a bad signature with 401 before looking at the body', async () => {
    const res = await world.emu.sendSignedRaw({ body: '{"type":1}', badSignature: true });
    expect(res.status).toBe(401);
    const unsigned = await fetch(`${fe.url()}/interactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"type":1}',
    });
    expect(unsigned.status).toBe(401);
    const garbage = await world.emu.sendSignedRaw({ body: 'not json', badSignature: true });
    expect(garbage.status).toBe(401);
  });

  it('answers a signed PING with {"type":1} as application/json', async () => {
    const res = await world.emu.sendSignedRaw({
      body: '{"type":1,"id":"1","application_id":"1","token":"x"}',
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ type: 1 });
  });

  it('refuses an oversized body with 413', async () => {
    const res = await fetch(`${fe.url()}/interactions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-signature-ed25519': 'a'.repeat(128),
        'x-signature-timestamp': '1',
      },
      body: JSON.stringify({ pad: 'x'.repeat(32 * 1024) }),
    });
    expect(res.status).toBe(413);
  });

  it('serves /healthz and Prometheus /metrics with the acknowledgement histogram', async () => {
    await fire('autointel', [opt('url', 'https://example.com/m')]);
    await until(() => services.workflows()[0], 'workflow');
    const health = await fetch(`${fe.url()}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, mode: 'http', checks: {} });
    const metrics = await fetch(`${fe.url()}/metrics`);
    const text = await metrics.text();
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(
      /autointel_interaction_ack_latency_seconds_count\{mode="http",outcome="acknowledged"\} 1/,
    );
    expect(text).toMatch(/autointel_interactions_total\{command="autointel",outcome="deferred"\} 1/);
    expect(text).toMatch(/nodejs_eventloop_lag_p99_seconds/);
  });
});
