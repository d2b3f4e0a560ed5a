import { describe, expect, it } from 'vitest';
import { FakeTransport } from '../../test/discord/fake-transport.js';
import { episodeWanted } from '../analysis/acquire/index.js';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { InMemoryAppServices } from '../../test/support/in-memory-services.js';
import { InteractionRouter } from './router.js';

const logger = createLogger({ level: 'silent' });

function analyze(options: Record<string, string>) {
  return {
    id: (((1_700_000_000_000n - 1_420_070_400_000n) << 22n) + 7n).toString(),
    application_id: '42424242',
    type: 2,
    token: 'tok-episode',
    guild_id: '900',
    channel_id: '901',
    member: { user: { id: '902' }, permissions: '0' },
    data: {
      name: 'autointel',
      type: 1,
      options: Object.entries(options).map(([k, v]) => ({ name: k, type: 3, value: v })),
    },
  };
}

describe('/autointel episode option', () => {
  const clock = new AdjustableClock(1_700_000_000_000);
  const router = new InteractionRouter({
    services: new InMemoryAppServices({ clock, logger }),
    clock,
    logger,
    transport: new FakeTransport(),
  });

  it('carries the episode in the feed URL fragment, where the acquirer reads it back', () => {
    const { plan } = router.plan(
      analyze({ url: 'https://pod.example/feed.xml#old', episode: ' Floods & rivers ' }),
    );
    expect(plan.kind).toBe('defer');
    if (plan.kind !== 'defer') return;
    expect(plan.intake?.url).toBe('https://pod.example/feed.xml#episode=Floods%20%26%20rivers');
    expect(episodeWanted(new URL(plan.intake!.url), undefined)).toBe('Floods & rivers');
  });

  it('leaves the URL alone without an episode', () => {
    const { plan } = router.plan(analyze({ url: 'https://pod.example/feed.xml' }));
    expect(plan.kind === 'defer' ? plan.intake?.url : null).toBe('https://pod.example/feed.xml');
  });
});
