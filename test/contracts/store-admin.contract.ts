// The StoreAdmin contract: migrations that can run again, and a health probe that really writes and reads.
import { describe, expect, it } from 'vitest';
import type { WorkflowLeaseStore } from '../../src/store/store.js';
import { createIn, T0, useStore, type PortUnderTest } from './store-support.js';

export function describeStoreAdminContract(
  name: string,
  makeStore: () => Promise<PortUnderTest<WorkflowLeaseStore>>,
): void {
  describe(`StoreAdmin contract: ${name}`, () => {
    const current = useStore(makeStore);

    it('migrate is safe to call again', async () => {
      const store = current();
      await store.migrate();
      await expect(createIn(store)).resolves.toBeTypeOf('string');
    });

    it('health writes and reads its heartbeat row: ok on a working store, again and again', async () => {
      const store = current();
      expect(await store.health(T0)).toEqual({ ok: true });
      await createIn(store);
      expect(await store.health(T0 + 1)).toEqual({ ok: true });
    });

    it('health answers a failure as a value, naming the check, once the store cannot be used', async () => {
      const store = current();
      await store.close();
      const health = await store.health(T0);
      expect(health).toMatchObject({ ok: false, check: 'write' });
      expect(health.ok ? '' : health.message).toMatch(/cannot be written/);
    });
  });
}
