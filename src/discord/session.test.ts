import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { FakeTransport, jsonOf } from '../../test/discord/fake-transport.js';
import { textMessage } from '../discord-api/message.js';
import {
  InteractionSession,
  interactionCreatedAt,
  snowflakeTimestamp,
  type AckObserver,
  type AckOutcome,
  type AckState,
} from './session.js';

const logger = createLogger({ level: 'silent' });
const snowflakeAt = (ms: number): string => ((BigInt(ms) - 1_420_070_400_000n) << 22n).toString();

function makeSession(transport: FakeTransport, clock = new AdjustableClock(1_700_000_000_000)) {
  const now = clock.now();
  const seen: { outcome: AckOutcome; latencyMs: number }[] = [];
  const errors: string[] = [];
  const observer: AckObserver = {
    acknowledged: (outcome, latencyMs) => seen.push({ outcome, latencyMs }),
    callbackError: (code) => errors.push(code),
  };
  const session = new InteractionSession({
    identity: {
      id: snowflakeAt(now),
      applicationId: '42424242',
      token: 'tok',
      createdAt: now,
      receivedAt: now,
    },
    transport,
    clock,
    logger,
    observer,
  });
  return { session, seen, errors, clock };
}

describe('InteractionSession', () => {
  it('is marked acknowledging before the callback request is sent', async () => {
    let stateWhileSending: AckState | undefined;
    const t = new FakeTransport();
    const { session } = makeSession(t);
    t.on('POST', /callback$/, {
      during: () => {
        stateWhileSending = session.state;
      },
      then: { status: 204 },
    });
    await session.acknowledge({ type: 5, ephemeral: false });
    expect(stateWhileSending).toBe('acknowledging');
    expect(session.state).toBe('acknowledged');
  });

  it('sends exactly one initial response even when asked twice concurrently', async () => {
    const t = new FakeTransport();
    const { session } = makeSession(t);
    const [a, b] = await Promise.all([
      session.acknowledge({ type: 5, ephemeral: false }),
      session.acknowledge({ type: 5, ephemeral: true }),
    ]);
    expect(t.count('POST', /callback$/)).toBe(1);
    expect(a.kind).toBe('acknowledged');
    expect(b).toEqual({ kind: 'refused', state: 'acknowledging' });
    expect(await session.acknowledge({ type: 5, ephemeral: false })).toEqual({
      kind: 'refused',
      state: 'acknowledged',
    });
    expect(t.count('POST', /callback$/)).toBe(1);
  });

  it('sends the callback without Authorization and with the defer body Discord expects', async () => {
    const t = new FakeTransport();
    const { session } = makeSession(t);
    await session.acknowledge({ type: 5, ephemeral: true });
    const req = t.requests[0];
    expect(req?.auth).toBe('none');
    expect(req?.path).toBe(`/interactions/${session.identity.id}/tok/callback`);
    expect(jsonOf(req)).toEqual({ type: 5, data: { flags: 64 } });
  });

  it('sends type-4 replies with mentions disabled', async () => {
    const t = new FakeTransport();
    const { session } = makeSession(t);
    await session.acknowledge({ type: 4, message: textMessage('@everyone nope', { ephemeral: true }) });
    expect(jsonOf(t.requests[0])).toEqual({
      type: 4,
      data: { content: '@everyone nope', flags: 64, allowed_mentions: { parse: [] } },
    });
  });

  const cases: [string, Parameters<FakeTransport['on']>[2], AckState, string | undefined][] = [
    ['204', { status: 204 }, 'acknowledged', undefined],
    ['40060 already acknowledged', { status: 400, body: { code: 40060 } }, 'acknowledged', '40060'],
    ['500', { status: 500, body: { message: 'oops' } }, 'possibly_acknowledged', 'http_500'],
    ['502 with code 0', { status: 502, body: { code: 0 } }, 'possibly_acknowledged', 'http_502'],
    ['timeout', { network: 'timeout' }, 'possibly_acknowledged', 'timeout'],
    ['reset', { network: 'reset' }, 'possibly_acknowledged', 'network'],
    ['10062 unknown interaction', { status: 404, body: { code: 10062 } }, 'expired', '10062'],
    ['50035 invalid form body', { status: 400, body: { code: 50035 } }, 'expired', '50035'],
  ];
  for (const [name, answer, state, errorCode] of cases) {
    it(`maps a callback answered ${name} to ${state} and never re-sends it`, async () => {
      const t = new FakeTransport().on('POST', /callback$/, answer);
      const { session, seen, errors } = makeSession(t);
      await session.acknowledge({ type: 5, ephemeral: false });
      expect(session.state).toBe(state);
      expect(await session.settled).toBe(state);
      expect(t.count('POST', /callback$/)).toBe(1);
      expect(seen).toHaveLength(1);
      expect(errors).toEqual(errorCode === undefined ? [] : [errorCode]);
    });
  }

  it('reports acknowledgement latency from receive time on the injected clock', async () => {
    const t = new FakeTransport();
    const { session, seen, clock } = makeSession(t);
    t.on('POST', /callback$/, { during: () => clock.advance(1234), then: { status: 204 } });
    await session.acknowledge({ type: 5, ephemeral: false });
    // The adjustable clock also moves with real time, so only the injected jump is certain.
    expect(seen[0]?.latencyMs).toBeGreaterThanOrEqual(1234);
    expect(seen[0]?.latencyMs).toBeLessThan(1234 + 60_000);
  });

  it('settles inline (HTTP mode) acknowledgements once, as possibly acknowledged when the answer was not flushed', () => {
    const t = new FakeTransport();
    const { session } = makeSession(t);
    expect(session.settleInline(true)).toEqual({ kind: 'refused', state: 'fresh' });
    expect(session.begin({ type: 5, ephemeral: false })).toBe(true);
    expect(session.begin({ type: 5, ephemeral: false })).toBe(false);
    expect(session.settleInline(false).kind).toBe('possibly_acknowledged');
    expect(session.settleInline(true).kind).toBe('refused');
    expect(t.requests).toHaveLength(0);
  });

  it('counts token age from the snowflake when it is plausible, else from receive time', () => {
    const received = 1_700_000_000_000;
    expect(snowflakeTimestamp(snowflakeAt(received))).toBe(received);
    expect(interactionCreatedAt(snowflakeAt(received - 2_000), received)).toBe(received - 2_000);
    // A snowflake "from the future" (our clock behind Discord's) never makes the token look younger than received.
    expect(interactionCreatedAt(snowflakeAt(received + 5_000), received)).toBe(received);
    // Hours of disagreement is clock skew, not age.
    expect(interactionCreatedAt(snowflakeAt(received - 3_600_000), received)).toBe(received);
    expect(interactionCreatedAt('not-a-snowflake', received)).toBe(received);
  });
});
