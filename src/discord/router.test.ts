import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { FakeTransport, jsonOf } from '../../test/discord/fake-transport.js';
import { InMemoryAppServices, createMemoryClaim } from '../../test/support/in-memory-services.js';
import type { AppServices, InteractionInfo } from './ports.js';
import { InteractionRouter } from './router.js';

const logger = createLogger({ level: 'silent' });
const APP = '42424242';
const UUID = '123e4567-e89b-42d3-a456-426614174000';

let seq = 0;
function command(
  name: string,
  options: Record<string, string | boolean> = {},
  extra: { permissions?: string; guildId?: string | null } = {},
) {
  seq += 1;
  const id = (((BigInt(1_700_000_000_000) - 1_420_070_400_000n) << 22n) + BigInt(seq)).toString();
  return {
    id,
    application_id: APP,
    type: 2,
    token: `tok${seq}`,
    guild_id: extra.guildId === undefined ? '900' : extra.guildId,
    channel_id: '901',
    member: { user: { id: '902' }, permissions: extra.permissions ?? '0' },
    data: {
      name,
      type: 1,
      options: Object.entries(options).map(([k, v]) => ({
        name: k,
        type: typeof v === 'boolean' ? 5 : 3,
        value: v,
      })),
    },
  };
}

function setup(overrides: Partial<AppServices> = {}, claim?: (id: string) => Promise<boolean>) {
  const clock = new AdjustableClock(1_700_000_000_000);
  const transport = new FakeTransport();
  const memory = new InMemoryAppServices({ clock, logger });
  const calls: string[] = [];
  const unreachable: { info: InteractionInfo; content: string | undefined; flags: number | undefined }[] = [];
  const services: AppServices = {
    startAnalysis: (r) => (calls.push('startAnalysis'), memory.startAnalysis(r)),
    status: (r) => (calls.push('status'), memory.status(r)),
    retrieve: (r) => (calls.push('retrieve'), memory.retrieve(r)),
    cancel: (r) => (calls.push('cancel'), memory.cancel(r)),
    configureWebhook: (r) => (calls.push('configureWebhook'), memory.configureWebhook(r)),
    search: (r) => (calls.push('search'), memory.search(r)),
    interactionUnreachable: async (info, msg) => {
      unreachable.push({ info, content: msg.content, flags: msg.flags });
    },
    ...overrides,
  };
  const router = new InteractionRouter({
    services,
    clock,
    logger,
    transport,
    ...(claim === undefined ? {} : { claim }),
    responder: { unknownWebhookRetryDelaysMs: [1, 1], transientRetryDelaysMs: [1] },
  });
  return { clock, transport, router, calls, unreachable, memory };
}

describe('InteractionRouter.plan (synchronous, before any I/O)', () => {
  const { router, calls } = setup();
  const invalidCases: [string, ReturnType<typeof command>, RegExp][] = [
    ['a URL that does not parse', command('autointel', { url: 'not a url' }), /not a valid link/],
    ['a non-http scheme', command('autointel', { url: 'file:///etc/passwd' }), /Only http and https/],
    [
      'a URL with credentials',
      command('autointel', { url: 'https://u:p@example.com/' }),
      /user name or password/,
    ],
    ['an unknown depth', command('autointel', { url: 'https://example.com', depth: 'max' }), /Unknown depth/],
    [
      'a malformed workflow id (status)',
      command('autointel_status', { workflow_id: '123' }),
      /not a workflow id/,
    ],
    [
      'a malformed workflow id (retrieve)',
      command('retrieve_results', { workflow_id: 'x' }),
      /not a workflow id/,
    ],
    [
      'a malformed workflow id (cancel)',
      command('autointel_cancel', { workflow_id: '' }),
      /not a workflow id/,
    ],
    ['config by a non-admin', command('autointel_config', { webhook: 'x' }), /Manage Server/],
    [
      'config outside a server',
      command('autointel_config', { webhook: 'x' }, { guildId: null, permissions: '32' }),
      /inside a server/,
    ],
    [
      'config with a non-webhook URL',
      command('autointel_config', { webhook: 'https://evil.example/x' }, { permissions: '32' }),
      /not a Discord webhook URL/,
    ],
    ['an unknown command', command('autointel_nope'), /Unknown command/],
    ['a search without words', command('autointel_search', { query: ' ?! ' }), /Search for some words/],
    ['a search too long', command('autointel_search', { query: 'a'.repeat(201) }), /keep it under 200/],
  ];
  for (const [name, payload, text] of invalidCases) {
    it(`answers ${name} with an ephemeral type-4 message saying what to fix`, () => {
      const { plan } = router.plan(payload);
      expect(plan.kind).toBe('reply');
      if (plan.kind !== 'reply') return;
      expect(plan.message.flags).toBe(64);
      expect(plan.message.content).toMatch(text);
    });
  }

  it('defers /autointel publicly and the other commands privately', () => {
    const a = router.plan(command('autointel', { url: 'https://example.com/a', depth: 'deep' })).plan;
    expect(a).toMatchObject({ kind: 'defer', ephemeral: false });
    expect(router.plan(command('autointel_search', { query: 'wind farms' })).plan).toMatchObject({
      kind: 'defer',
      ephemeral: true,
    });
    for (const name of ['retrieve_results', 'autointel_status', 'autointel_cancel']) {
      expect(router.plan(command(name, { workflow_id: UUID })).plan).toMatchObject({
        kind: 'defer',
        ephemeral: true,
      });
    }
    const cfg = router.plan(
      command(
        'autointel_config',
        { webhook: `https://discord.com/api/webhooks/123456789/${'a'.repeat(60)}` },
        { permissions: '32' },
      ),
    ).plan;
    expect(cfg).toMatchObject({ kind: 'defer', ephemeral: true });
    expect(calls).toEqual([]);
  });

  it('answers PING with PONG and refuses payloads that are not interactions', () => {
    expect(router.plan({ type: 1 }).plan.kind).toBe('pong');
    expect(router.plan({ hello: 'world' }).plan.kind).toBe('unsupported');
    expect(router.plan({ ...command('autointel'), type: 4 }).plan.kind).toBe('unsupported');
  });
});

describe('InteractionRouter in gateway mode', () => {
  it('defers, starts the analysis, then edits @original to name the workflow id', async () => {
    const { router, transport, memory } = setup();
    const payload = command('autointel', { url: 'https://example.com/a', depth: 'deep' });
    await router.handleGatewayInteraction(payload);
    const [callback, edit] = transport.requests;
    expect(callback?.path).toBe(`/interactions/${payload.id}/${payload.token}/callback`);
    expect(jsonOf(callback)).toEqual({ type: 5 });
    expect(edit?.method).toBe('PATCH');
    const wf = memory.workflows()[0];
    expect(wf?.depth).toBe('deep');
    expect(jsonOf(edit)['content']).toContain(`workflow \`${wf?.id}\` (depth deep)`);
    expect(jsonOf(edit)['content']).toContain(`/retrieve_results workflow_id:${wf?.id}`);
    expect(transport.requests).toHaveLength(2);
  });

  it('answers invalid input with one type-4 callback and runs nothing else', async () => {
    const { router, transport, calls } = setup();
    await router.handleGatewayInteraction(command('autointel', { url: 'ftp://x' }));
    expect(transport.requests).toHaveLength(1);
    expect(jsonOf(transport.requests[0])).toMatchObject({ type: 4, data: { flags: 64 } });
    expect(calls).toEqual([]);
  });

  it('stays silent when another process won the claim', async () => {
    const claim = createMemoryClaim();
    const payload = command('autointel', { url: 'https://example.com' });
    await claim(payload.id);
    const { router, transport, calls } = setup({}, claim);
    await router.handleGatewayInteraction(payload);
    expect(transport.requests).toHaveLength(0);
    expect(calls).toEqual([]);
  });

  it('refuses an /autointel it cannot record: one ephemeral type-4 error, never a defer, nothing started', async () => {
    const { router, transport, calls } = setup({}, () =>
      Promise.reject(new Error('attempt to write a readonly database')),
    );
    await router.handleGatewayInteraction(command('autointel', { url: 'https://example.com' }));
    expect(transport.requests).toHaveLength(1);
    expect(jsonOf(transport.requests[0])).toMatchObject({
      type: 4,
      data: { flags: 64, content: expect.stringContaining('could not record this request') },
    });
    expect(calls).toEqual([]);
  });

  it('answers a command with nothing to record even when the claim fails (silence would strand the user)', async () => {
    const { router, transport, calls } = setup({}, () => Promise.reject(new Error('db down')));
    await router.handleGatewayInteraction(command('autointel_status', { workflow_id: UUID }));
    expect(transport.requests[0]?.path).toMatch(/callback$/);
    expect(jsonOf(transport.requests[0])).toMatchObject({ type: 5, data: { flags: 64 } });
    expect(calls).toEqual(['status']);
  });

  it('tells the user privately when the analysis is refused: deletes the public loading message, then an ephemeral followup', async () => {
    const { router, transport } = setup({
      startAnalysis: async () => ({
        kind: 'refused',
        reason: 'you reached the limit of 1 analyses per hour.',
      }),
    });
    await router.handleGatewayInteraction(command('autointel', { url: 'https://example.com' }));
    expect(
      transport.requests.map((r) => `${r.method} ${r.path.replace(/\/\d+\/tok\d+/, '/:app/:tok')}`),
    ).toEqual([
      'POST /interactions/:app/:tok/callback',
      'DELETE /webhooks/:app/:tok/messages/@original',
      'POST /webhooks/:app/:tok',
    ]);
    expect(jsonOf(transport.requests[2])).toMatchObject({
      flags: 64,
      content: expect.stringContaining('limit'),
    });
  });

  it('reports a handler crash privately, never publicly', async () => {
    const { router, transport } = setup({
      startAnalysis: async () => {
        throw new Error('boom');
      },
    });
    await router.handleGatewayInteraction(command('autointel', { url: 'https://example.com' }));
    const last = transport.requests.at(-1);
    expect(last?.method).toBe('POST');
    expect(jsonOf(last)['flags']).toBe(64);
    expect(transport.count('DELETE', /@original$/)).toBe(1);
  });

  it('still starts the analysis after 10062 and hands the acknowledgement to the fallback', async () => {
    const { router, transport, memory, unreachable } = setup();
    transport.on('POST', /callback$/, { status: 404, body: { code: 10062 } });
    await router.handleGatewayInteraction(command('autointel', { url: 'https://example.com/late' }));
    expect(memory.workflows()).toHaveLength(1);
    expect(transport.requests).toHaveLength(1);
    expect(unreachable).toHaveLength(1);
    expect(unreachable[0]?.content).toContain(memory.workflows()[0]?.id ?? 'missing');
  });

  it('confirms a possibly-applied callback through PATCH @original instead of re-sending it', async () => {
    const { router, transport } = setup();
    transport.on('POST', /callback$/, { status: 503 });
    await router.handleGatewayInteraction(command('autointel', { url: 'https://example.com' }));
    expect(transport.count('POST', /callback$/)).toBe(1);
    expect(transport.count('PATCH', /@original$/)).toBe(1);
  });

  it('shows status privately by editing the ephemeral loading message', async () => {
    const { router, transport, memory, clock } = setup();
    const started = await memory.startAnalysis({
      url: 'https://example.com/s',
      depth: 'standard',
      interaction: {
        id: '1',
        applicationId: APP,
        token: 't',
        createdAt: clock.now(),
        guildId: '900',
        channelId: '901',
        userId: '902',
        isAdmin: false,
      },
    });
    const id = started.kind === 'started' ? started.workflowId : '';
    await router.handleGatewayInteraction(command('autointel_status', { workflow_id: id }));
    expect(jsonOf(transport.requests[0])).toEqual({ type: 5, data: { flags: 64 } });
    expect(transport.requests[1]?.method).toBe('PATCH');
    expect(jsonOf(transport.requests[1])['content']).toContain('queued');
  });

  it('records rerun:True with the intake and passes it to the start; absent means false', async () => {
    const { router } = setup();
    const rerun = router.plan(command('autointel', { url: 'https://example.com/r', rerun: true })).plan;
    expect(rerun).toMatchObject({ kind: 'defer', intake: { url: 'https://example.com/r', rerun: true } });
    const plain = router.plan(command('autointel', { url: 'https://example.com/r' })).plan;
    expect(plain).toMatchObject({ kind: 'defer', intake: { rerun: false } });
    const seen: (boolean | undefined)[] = [];
    const { router: r2 } = setup({
      startAnalysis: async (req) => (seen.push(req.rerun), { kind: 'started', workflowId: UUID }),
    });
    await r2.handleGatewayInteraction(command('autointel', { url: 'https://example.com/r', rerun: true }));
    await r2.handleGatewayInteraction(command('autointel', { url: 'https://example.com/r' }));
    expect(seen).toEqual([true, false]);
  });

  it('offers the earlier report instead of a new run, saying how to run it again', async () => {
    const finishedAt = Date.UTC(2026, 10, 30, 9, 15);
    const { router, transport } = setup({
      startAnalysis: async () => ({
        kind: 'earlier',
        workflowId: UUID,
        finishedAt,
        reportUrl: 'https://bot.example/r/x?e=1&s=abc',
      }),
    });
    await router.handleGatewayInteraction(
      command('autointel', { url: 'https://example.com/a', depth: 'deep' }),
    );
    const content = String(jsonOf(transport.requests.at(-1))['content']);
    expect(content).toContain('already analysed here at depth deep (finished 2026-11-30 09:15 UTC)');
    expect(content).toContain(`/retrieve_results workflow_id:${UUID}`);
    expect(content).toContain('https://bot.example/r/x?e=1&s=abc');
    expect(content).toContain('rerun:True');
  });

  it('answers /autointel_search privately with what the services found in this guild', async () => {
    const { router, transport, memory, clock, calls } = setup();
    const started = await memory.startAnalysis({
      url: 'https://example.com/wind-farms',
      depth: 'standard',
      interaction: {
        id: '7',
        applicationId: APP,
        token: 't',
        createdAt: clock.now(),
        guildId: '900',
        channelId: '901',
        userId: '902',
        isAdmin: false,
      },
    });
    if (started.kind !== 'started') throw new Error('expected a start');
    memory.complete(started.workflowId, []);
    await router.handleGatewayInteraction(command('autointel_search', { query: 'wind-farms' }));
    expect(calls).toEqual(['search']);
    expect(jsonOf(transport.requests[0])).toEqual({ type: 5, data: { flags: 64 } });
    expect(transport.requests[1]?.method).toBe('PATCH');
    expect(String(jsonOf(transport.requests[1])['content'])).toContain(started.workflowId);
    // Another guild sees nothing of it.
    await router.handleGatewayInteraction(
      command('autointel_search', { query: 'wind-farms' }, { guildId: '777' }),
    );
    expect(String(jsonOf(transport.requests.at(-1))['content'])).toBe('No report matches.');
  });

  it('says so privately when a workflow does not exist', async () => {
    const { router, transport } = setup();
    await router.handleGatewayInteraction(command('retrieve_results', { workflow_id: UUID }));
    const last = transport.requests.at(-1);
    expect(jsonOf(last)).toMatchObject({ flags: 64, content: expect.stringContaining('No workflow') });
  });
});

describe('InteractionRouter in HTTP endpoint mode', () => {
  it('returns the defer inline and runs the handler only after the answer was sent', async () => {
    const { router, transport, clock, calls } = setup();
    const answer = await router.handleHttpInteraction(
      command('autointel', { url: 'https://example.com' }),
      clock.now(),
    );
    expect(answer).toMatchObject({ status: 200, body: { type: 5 } });
    expect(calls).toEqual([]);
    answer.afterSent(true);
    await router.idle();
    expect(calls).toEqual(['startAnalysis']);
    expect(transport.count('POST', /callback$/)).toBe(0);
    expect(transport.count('PATCH', /@original$/)).toBe(1);
  });

  it('refuses inline an /autointel whose record cannot be written, and starts nothing', async () => {
    const { clock, transport, calls } = setup();
    const router = new InteractionRouter({
      services: failingServices(calls),
      clock,
      logger,
      transport,
      mode: 'http',
      claim: () => Promise.reject(new Error('attempt to write a readonly database')),
    });
    const answer = await router.handleHttpInteraction(
      command('autointel', { url: 'https://example.com' }),
      clock.now(),
    );
    expect(answer).toMatchObject({
      status: 200,
      body: {
        type: 4,
        data: { flags: 64, content: expect.stringContaining('could not record this request') },
      },
    });
    answer.afterSent(true);
    await router.idle();
    expect(calls).toEqual([]);
    expect(transport.requests).toHaveLength(0);
  });

  it('refuses a second copy of an interaction whose claim was already won (409), once recorded', async () => {
    const claim = createMemoryClaim();
    const { clock, calls } = setup();
    const router = new InteractionRouter({
      services: failingServices(calls),
      clock,
      logger,
      transport: new FakeTransport(),
      mode: 'http',
      claim,
    });
    const payload = command('autointel', { url: 'https://example.com' });
    expect((await router.handleHttpInteraction(payload, clock.now())).status).toBe(200);
    expect(await router.handleHttpInteraction(payload, clock.now())).toMatchObject({ status: 409 });
  });

  it('answers PING inline with type 1', async () => {
    const { router, clock } = setup();
    expect(
      await router.handleHttpInteraction({ type: 1, id: '1', application_id: APP, token: 'x' }, clock.now()),
    ).toMatchObject({ status: 200, body: { type: 1 } });
  });
});

/** Services that record each call and fail it: a refused request must reach none of them. */
function failingServices(calls: string[]): AppServices {
  const fail = (name: string) => async (): Promise<never> => {
    calls.push(name);
    throw new Error(`${name} must not be called`);
  };
  return {
    startAnalysis: fail('startAnalysis'),
    status: fail('status'),
    retrieve: fail('retrieve'),
    cancel: fail('cancel'),
    configureWebhook: fail('configureWebhook'),
    search: fail('search'),
    interactionUnreachable: fail('interactionUnreachable'),
  };
}
