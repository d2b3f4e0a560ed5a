import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { InMemoryAppServices, createMemoryClaim } from './in-memory-services.js';
import { textMessage } from '../../src/discord-api/message.js';
import type { InteractionInfo } from '../../src/discord/ports.js';

const logger = createLogger({ level: 'silent' });
const info = (id: string, over: Partial<InteractionInfo> = {}): InteractionInfo => ({
  id,
  applicationId: '4242424',
  token: 'tok',
  createdAt: 0,
  guildId: 'g1',
  channelId: 'c1',
  userId: 'u1',
  isAdmin: false,
  ...over,
});

describe('InMemoryAppServices', () => {
  it('starts one workflow per interaction, however often it is asked', async () => {
    const s = new InMemoryAppServices({ clock: new AdjustableClock(), logger });
    const a = await s.startAnalysis({ url: 'https://e.com', depth: 'standard', interaction: info('1') });
    const b = await s.startAnalysis({ url: 'https://e.com', depth: 'standard', interaction: info('1') });
    expect(a.kind).toBe('started');
    expect(b).toEqual({ kind: 'existing', workflowId: a.kind === 'started' ? a.workflowId : '' });
    expect(s.workflows()).toHaveLength(1);
  });

  it('refuses past the hourly quota and allows again an hour later', async () => {
    const clock = new AdjustableClock(1_000_000);
    const s = new InMemoryAppServices({ clock, logger, userQuotaPerHour: 1 });
    await s.startAnalysis({ url: 'https://e.com', depth: 'standard', interaction: info('1') });
    expect(
      (await s.startAnalysis({ url: 'https://e.com', depth: 'deep', interaction: info('2') })).kind,
    ).toBe('refused');
    clock.advance(3_600_001);
    expect(
      (await s.startAnalysis({ url: 'https://e.com', depth: 'deep', interaction: info('3') })).kind,
    ).toBe('started');
  });

  it('keeps workflows to their guild and lets only the requester or a manager cancel', async () => {
    const s = new InMemoryAppServices({ clock: new AdjustableClock(), logger });
    const out = await s.startAnalysis({ url: 'https://e.com', depth: 'standard', interaction: info('1') });
    const workflowId = out.kind === 'started' ? out.workflowId : '';
    expect((await s.status({ workflowId, guildId: 'g2', userId: 'u1', isAdmin: true })).kind).toBe(
      'forbidden',
    );
    expect((await s.cancel({ workflowId, guildId: 'g1', userId: 'u2', isAdmin: false })).kind).toBe(
      'forbidden',
    );
    expect((await s.cancel({ workflowId, guildId: 'g1', userId: 'u2', isAdmin: true })).kind).toBe(
      'cancelled',
    );
    expect((await s.cancel({ workflowId, guildId: 'g1', userId: 'u1', isAdmin: false })).kind).toBe(
      'already_finished',
    );
  });

  it('never turns a private message into a public fallback notice', async () => {
    const s = new InMemoryAppServices({ clock: new AdjustableClock(), logger });
    await s.interactionUnreachable(info('9'), textMessage('secret status', { ephemeral: true }));
    await s.interactionUnreachable(info('10'), textMessage('Analysis started — workflow `x`'));
    const [priv, pub] = s.unreachableNotices();
    expect(priv?.message.content).not.toContain('secret');
    expect(pub?.message.content).toContain('Analysis started');
  });

  it('memory claim: the first caller wins, every later one loses', async () => {
    const claim = createMemoryClaim();
    expect(await Promise.all([claim('1'), claim('1'), claim('2')])).toEqual([true, false, true]);
  });
});
