import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../core/clock.js';
import { SecretBox } from '../core/secrets.js';
import { configureGuildWebhook } from './guild-config.js';
import { loadOrCreateSecretKey } from './secret-key.js';
import { canReachUser, resolveTargets } from './targets.js';

const TOKEN = 'AbCdEf_123-xyzAbCdEf_123-xyzAbCdEf_123-xyzAbCdEf_123-xyzAbCdEf_12';
const HOOK = `https://discord.com/api/webhooks/123456789012345678/${TOKEN}`;

function memoryGuilds() {
  const hooks = new Map<string, string>();
  return {
    hooks,
    setGuildWebhook: (g: string, sealed: string) => {
      hooks.set(g, sealed);
      return Promise.resolve();
    },
    getGuildWebhook: (g: string) => Promise.resolve(hooks.get(g) ?? null),
  };
}

describe('targets', () => {
  const box = new SecretBox('s'.repeat(40));

  it('uses the interaction only while its token has more than a minute left, then the guild webhook', async () => {
    const clock = new AdjustableClock(10_000_000);
    const store = memoryGuilds();
    await configureGuildWebhook({ store, secretBox: box, clock }, 'g', HOOK);
    const ref = {
      guildId: 'g',
      channelId: 'c',
      interaction: { id: 'i', applicationId: 'a', tokenSealed: box.seal('tok'), createdAt: clock.now() },
    };
    const deps = { store, secretBox: box, clock, botToken: 'bot' };
    expect((await resolveTargets(ref, deps)).map((t) => t.name)).toEqual([
      'interaction',
      'webhook:guild',
      'channel',
    ]);
    clock.advance(14 * 60_000 - 5_000);
    expect((await resolveTargets(ref, deps))[0]?.name).toBe('interaction');
    clock.advance(5_000);
    expect((await resolveTargets(ref, deps)).map((t) => t.name)).toEqual(['webhook:guild', 'channel']);
  });

  it('stores the guild webhook sealed, never in clear', async () => {
    const store = memoryGuilds();
    const r = await configureGuildWebhook({ store, secretBox: box, clock: new AdjustableClock() }, 'g', HOOK);
    expect(r).toEqual({ ok: true, value: { webhookId: '123456789012345678' } });
    expect(store.hooks.get('g')).not.toContain(TOKEN);
    expect(box.open(store.hooks.get('g') ?? '')).toBe(HOOK);
    const bad = await configureGuildWebhook(
      { store, secretBox: box, clock: new AdjustableClock() },
      'h',
      'https://example.com/x',
    );
    expect(bad.ok).toBe(false);
    expect(store.hooks.has('h')).toBe(false);
  });

  it('says the user cannot be reached after the token dies when there is no webhook and no bot channel', async () => {
    const clock = new AdjustableClock();
    const store = memoryGuilds();
    const ref = { guildId: 'g', channelId: 'c' };
    expect(await canReachUser(ref, { store, secretBox: box, clock })).toBe(false);
    expect(await canReachUser(ref, { store, secretBox: box, clock, botToken: 'bot' })).toBe(true);
    expect(await canReachUser({ guildId: 'g' }, { store, secretBox: box, clock, botToken: 'bot' })).toBe(
      false,
    );
    expect(await canReachUser(ref, { store, secretBox: box, clock, defaultWebhook: HOOK })).toBe(true);
  });
});

describe('loadOrCreateSecretKey', () => {
  it('generates one key into the data dir with mode 0600 and returns the same key afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autointel-key-'));
    try {
      const a = loadOrCreateSecretKey({ dataDir: dir });
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(statSync(join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
      expect(loadOrCreateSecretKey({ dataDir: dir })).toBe(a);
      expect(readFileSync(join(dir, 'secret.key'), 'utf8').trim()).toBe(a);
      expect(loadOrCreateSecretKey({ dataDir: dir, key: 'c'.repeat(32) })).toBe('c'.repeat(32));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
