// The OutboxStore contract: delivery parts recorded once each, the progress card, the delivery state.
import { describe, expect, it } from 'vitest';
import type { OutboxStore, WorkflowLeaseStore } from '../../src/store/store.js';
import { claimRun, createIn, LEASE, T0, useStore, type PortUnderTest } from './store-support.js';

/** Parts belong to workflows, and the delivery state is read back on the workflow. */
type Store = OutboxStore & WorkflowLeaseStore;

export function describeOutboxStoreContract(
  name: string,
  makeStore: () => Promise<PortUnderTest<Store>>,
): void {
  describe(`OutboxStore contract: ${name}`, () => {
    const current = useStore(makeStore);

    it('adds parts once, lists them in seq order, and leaves existing parts untouched', async () => {
      const store = current();
      const id = await createIn(store);
      await store.addDeliveryParts(id, [
        { partKey: 'report:1', seq: 1, payload: { content: 'second' } },
        { partKey: 'report:0', seq: 0, payload: { content: 'first' } },
      ]);
      await store.markPartSent(id, 'report:0', { target: 'interaction', messageId: 'm-0', now: T0 + 1 });
      await store.addDeliveryParts(id, [
        { partKey: 'report:0', seq: 0, payload: { content: 'CHANGED' } },
        { partKey: 'report:2', seq: 2, payload: { content: 'third' } },
      ]);
      const parts = await store.listDeliveryParts(id);
      expect(parts.map((p) => p.partKey)).toEqual(['report:0', 'report:1', 'report:2']);
      expect(parts[0]).toMatchObject({
        workflowId: id,
        payload: { content: 'first' },
        status: 'sent',
        target: 'interaction',
        messageId: 'm-0',
        sentAt: T0 + 1,
      });
      expect(parts[1]).toMatchObject({
        status: 'pending',
        target: null,
        messageId: null,
        attempts: 0,
        lastError: null,
      });
    });

    it('markPartAttempt counts attempts, keeps the last error, and marks failed only when told', async () => {
      const store = current();
      const id = await createIn(store);
      await store.addDeliveryParts(id, [{ partKey: 'p', seq: 0, payload: {} }]);
      const error = { code: 'discord.rate_limited', message: 'Rate limited' };
      await store.markPartAttempt(id, 'p', { error, failed: false, now: T0 + 1 });
      expect((await store.listDeliveryParts(id))[0]).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: error,
      });
      await store.markPartAttempt(id, 'p', { error, failed: true, now: T0 + 2 });
      expect((await store.listDeliveryParts(id))[0]).toMatchObject({ status: 'failed', attempts: 2 });
    });

    it('markPartAttempt with a run writes only while that run holds the lease', async () => {
      const store = current();
      const id = await createIn(store);
      await store.addDeliveryParts(id, [{ partKey: 'p', seq: 0, payload: {} }]);
      const error = { code: 'delivery.in_flight', message: 'sending via webhook:guild' };
      const a = await claimRun(store, id, 'a');
      expect(await store.markPartAttempt(id, 'p', { error, failed: false, now: T0 + 1, run: a })).toBe(true);
      // Run A's lease expires and run B takes the workflow: A's writes are refused, B's and unfenced ones pass.
      const b = await claimRun(store, id, 'b', T0 + LEASE + 1);
      expect(
        await store.markPartAttempt(id, 'p', { error, failed: false, now: T0 + LEASE + 2, run: a }),
      ).toBe(false);
      expect((await store.listDeliveryParts(id))[0]).toMatchObject({ attempts: 1 });
      expect(
        await store.markPartAttempt(id, 'p', { error, failed: false, now: T0 + LEASE + 3, run: b }),
      ).toBe(true);
      expect(await store.markPartAttempt(id, 'p', { error, failed: false, now: T0 + LEASE + 4 })).toBe(true);
      expect((await store.listDeliveryParts(id))[0]).toMatchObject({ attempts: 3 });
    });

    it('setDeliveryState is visible on the workflow', async () => {
      const store = current();
      const id = await createIn(store);
      await store.setDeliveryState(id, 'delivering', { error: null, now: T0 + 1 });
      expect(await store.getWorkflow(id)).toMatchObject({
        deliveryState: 'delivering',
        deliveryError: null,
      });
      const error = { code: 'delivery.no_target', message: 'No way to reach the channel.' };
      await store.setDeliveryState(id, 'failed', { error, now: T0 + 2 });
      expect(await store.getWorkflow(id)).toMatchObject({ deliveryState: 'failed', deliveryError: error });
    });

    it('the progress card is saved and replaced', async () => {
      const store = current();
      const id = await createIn(store);
      expect(await store.getProgressCard(id)).toBeNull();
      await store.saveProgressCard({
        workflowId: id,
        target: 'interaction',
        messageId: null,
        lastEditAt: T0,
        lastPercent: 0,
      });
      const card = {
        workflowId: id,
        target: 'channel',
        messageId: 'm-9',
        lastEditAt: T0 + 5,
        lastPercent: 55.5,
      };
      await store.saveProgressCard(card);
      expect(await store.getProgressCard(id)).toEqual(card);
    });

    it('purging a finished workflow removes its parts', async () => {
      const store = current();
      const id = await createIn(store);
      await store.addDeliveryParts(id, [{ partKey: 'p', seq: 0, payload: {} }]);
      const claimed = await store.claim(id, { owner: 'w', now: T0, leaseMs: 1000 });
      await store.fail(
        { workflowId: id, runId: claimed?.runId ?? '' },
        { now: T0, error: { code: 'x', message: 'y' } },
      );
      expect(await store.purgeFinishedBefore(T0 + 1)).toBe(1);
      expect(await store.listDeliveryParts(id)).toEqual([]);
    });
  });
}
