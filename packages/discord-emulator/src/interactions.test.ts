// Interaction lifecycle rules (DISCORD.md §1): callback types, 3 s and 15 min clocks, 40060, 10015, 10008, followups.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscordEmulator } from './emulator.js';
import { callApi, type RawResponse } from './rest-client.js';

let emu: DiscordEmulator;
let ids: { guild: string; channel: string; user: string };

beforeEach(async () => {
  emu = await DiscordEmulator.start();
  const guild = emu.createGuild();
  const channel = emu.createChannel({ guildId: guild.id });
  const user = emu.createUser();
  ids = { guild: guild.id, channel: channel.id, user: user.id };
});

afterEach(async () => {
  await emu.close();
});

async function fire(): Promise<{ interactionId: string; token: string }> {
  return emu.fireSlashCommand({
    guildId: ids.guild,
    channelId: ids.channel,
    userId: ids.user,
    name: 'autointel',
  });
}

function callback(
  i: { interactionId: string; token: string },
  body: unknown,
  query = '',
): Promise<RawResponse> {
  return callApi(emu.apiBase, {
    method: 'POST',
    path: `/interactions/${i.interactionId}/${i.token}/callback${query}`,
    body,
  });
}

function hook(i: { token: string }, method: string, suffix = '', body?: unknown): Promise<RawResponse> {
  return callApi(emu.apiBase, {
    method,
    path: `/webhooks/${emu.application.id}/${i.token}${suffix}`,
    ...(body !== undefined ? { body } : {}),
  });
}

describe('initial response', () => {
  it('accepts type 4 without Authorization and answers 204 when with_response is absent', async () => {
    const i = await fire();
    const res = await callback(i, { type: 4, data: { content: 'hello' } });
    expect(res.status).toBe(204);
    expect(emu.interaction(i.interactionId)?.state).toBe('replied');
    expect(emu.messages(ids.channel).map((m) => m.content)).toEqual(['hello']);
  });

  it('answers 200 with {interaction, resource} when with_response=true', async () => {
    const i = await fire();
    const res = await callback(i, { type: 5 }, '?with_response=true');
    expect(res.status).toBe(200);
    const body = res.body as {
      interaction: Record<string, unknown>;
      resource: { type: number; message: { id: string; flags: number } };
    };
    expect(body.interaction).toMatchObject({ id: i.interactionId, type: 2, response_message_loading: true });
    expect(body.resource.type).toBe(5);
    expect(body.resource.message.id).toBe(emu.interaction(i.interactionId)?.originalMessageId);
    expect(body.resource.message.flags & 128).toBe(128);
  });

  it('refuses callback types 6 and 7 (component-only) and 1 for a slash command with 50035', async () => {
    for (const type of [1, 6, 7]) {
      const i = await fire();
      const res = await callback(i, { type });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 50035,
        errors: { type: { _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID' }] } },
      });
      expect(emu.interaction(i.interactionId)?.state).toBe('pending');
    }
  });

  it('a type-5 defer accepts only the ephemeral flag', async () => {
    const i = await fire();
    const bad = await callback(i, { type: 5, data: { flags: 4 } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 50035, errors: { data: { flags: { _errors: [{}] } } } });
    const good = await callback(i, { type: 5, data: { flags: 64 } });
    expect(good.status).toBe(204);
    expect(emu.interaction(i.interactionId)).toMatchObject({ state: 'deferred', ephemeral: true });
    expect(emu.messages(ids.channel)).toHaveLength(0);
  });

  it('a second initial response gets 400 40060', async () => {
    const i = await fire();
    expect((await callback(i, { type: 5 })).status).toBe(204);
    const again = await callback(i, { type: 4, data: { content: 'x' } });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ message: 'Interaction has already been acknowledged.', code: 40060 });
  });

  it('an initial response after 3 s gets 404 10062 and the interaction shows as expired', async () => {
    const i = await fire();
    emu.advanceClock(3001);
    expect(emu.interaction(i.interactionId)?.state).toBe('expired_unacknowledged');
    const res = await callback(i, { type: 5 });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'Unknown interaction', code: 10062 });
  });

  it('an initial response at 2.9 s is still in time', async () => {
    const i = await fire();
    emu.advanceClock(2900);
    expect((await callback(i, { type: 5 })).status).toBe(204);
  });

  it('records the acknowledgement latency on the clock the test controls, and the real time elapsed on the high-resolution clock', async () => {
    const i = await fire();
    emu.advanceClock(1500);
    await new Promise((r) => setTimeout(r, 40));
    await callback(i, { type: 5 });
    const entry = emu
      .timeline()
      .find((e) => e.interactionId === i.interactionId && e.direction === 'inbound');
    expect(entry?.ackLatencyMs).toBeGreaterThanOrEqual(1500);
    expect(entry?.ackLatencyMs).toBeLessThan(3000);
    expect(entry?.path).toBe(`/interactions/${i.interactionId}/:token/callback`);
    // Fractional, and not moved by advanceClock.
    expect(entry?.ackLatencyPreciseMs).toBeGreaterThanOrEqual(39);
    expect(entry?.ackLatencyPreciseMs).toBeLessThan(1500);
  });

  it('a type-4 reply within limits is validated like any message (empty → 50006)', async () => {
    const i = await fire();
    const res = await callback(i, { type: 4, data: { content: '   ' } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 50006 });
  });
});

describe('followups and the original response', () => {
  it('a followup or edit before any initial response gets 404 10015', async () => {
    const i = await fire();
    const follow = await hook(i, 'POST', '', { content: 'x' });
    expect(follow.status).toBe(404);
    expect(follow.body).toEqual({ message: 'Unknown Webhook', code: 10015 });
    const edit = await hook(i, 'PATCH', '/messages/@original', { content: 'x' });
    expect(edit.body).toMatchObject({ code: 10015 });
  });

  it('after 15 min the interaction token is refused with 401 50027', async () => {
    const i = await fire();
    await callback(i, { type: 5 });
    emu.advanceClock(15 * 60_000 + 1);
    const res = await hook(i, 'PATCH', '/messages/@original', { content: 'late' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ message: 'Invalid Webhook Token', code: 50027 });
  });

  it('decodes %40original like @original', async () => {
    const i = await fire();
    await callback(i, { type: 5 });
    const res = await hook(i, 'PATCH', '/messages/%40original', { content: 'edited' });
    expect(res.status).toBe(200);
    expect(emu.messages(ids.channel)[0]?.content).toBe('edited');
  });

  it('the first followup after a defer edits the loading message and ignores its ephemeral flag', async () => {
    const i = await fire();
    await callback(i, { type: 5 });
    const original = emu.interaction(i.interactionId)?.originalMessageId;
    const first = await hook(i, 'POST', '', { content: 'first', flags: 64 });
    expect(first.status).toBe(200);
    expect((first.body as { id: string }).id).toBe(original);
    expect(emu.ephemeralMessages(i.interactionId)).toHaveLength(0);
    const second = await hook(i, 'POST', '', { content: 'second', flags: 64 });
    expect((second.body as { id: string }).id).not.toBe(original);
    expect(emu.messages(ids.channel).map((m) => m.content)).toEqual(['first']);
    expect(emu.ephemeralMessages(i.interactionId).map((m) => m.content)).toEqual(['second']);
  });

  it('after DELETE @original an edit gets 10008 and the next followup is a new message honouring ephemeral', async () => {
    const i = await fire();
    await callback(i, { type: 5 });
    expect((await hook(i, 'DELETE', '/messages/@original')).status).toBe(204);
    const edit = await hook(i, 'PATCH', '/messages/@original', { content: 'x' });
    expect(edit.status).toBe(404);
    expect(edit.body).toEqual({ message: 'Unknown Message', code: 10008 });
    const follow = await hook(i, 'POST', '', { content: 'secret', flags: 64 });
    expect(follow.status).toBe(200);
    expect(emu.ephemeralMessages(i.interactionId).map((m) => m.content)).toEqual(['secret']);
    expect(emu.messages(ids.channel).filter((m) => m.deleted !== true)).toHaveLength(0);
  });

  it('followups always return the message (no wait needed) and can be edited by id', async () => {
    const i = await fire();
    await callback(i, { type: 4, data: { content: 'reply' } });
    const follow = await hook(i, 'POST', '', { content: 'more' });
    const id = (follow.body as { id: string }).id;
    const edited = await hook(i, 'PATCH', `/messages/${id}`, { content: 'more, edited' });
    expect(edited.status).toBe(200);
    expect(emu.messages(ids.channel).map((m) => m.content)).toEqual(['reply', 'more, edited']);
  });

  it('an ephemeral type-4 reply is not visible in the channel', async () => {
    const i = await fire();
    await callback(i, { type: 4, data: { content: 'only you', flags: 64 } });
    expect(emu.messages(ids.channel)).toHaveLength(0);
    expect(emu.ephemeralMessages(i.interactionId).map((m) => m.content)).toEqual(['only you']);
    expect(emu.interaction(i.interactionId)?.ephemeral).toBe(true);
  });
});
