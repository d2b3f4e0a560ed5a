// The GuildSettingsStore contract: per-guild settings, the sealed webhook.
import { describe, expect, it } from 'vitest';
import type { GuildSettingsStore } from '../../src/store/store.js';
import { T0, useStore, type PortUnderTest } from './store-support.js';

export function describeGuildSettingsStoreContract(
  name: string,
  makeStore: () => Promise<PortUnderTest<GuildSettingsStore>>,
): void {
  describe(`GuildSettingsStore contract: ${name}`, () => {
    const current = useStore(makeStore);

    it('stores and replaces the sealed guild webhook', async () => {
      const store = current();
      expect(await store.getGuildWebhook('g')).toBeNull();
      await store.setGuildWebhook('g', 'v1:first', T0);
      await store.setGuildWebhook('g', 'v1:second', T0 + 1);
      expect(await store.getGuildWebhook('g')).toBe('v1:second');
    });
  });
}
