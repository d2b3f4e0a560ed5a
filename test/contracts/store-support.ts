// What every store port's contract suite shares: the adapter under test, a request, fixed times, claim helpers.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect } from 'vitest';
import {
  leaseOf,
  type RunLease,
  type StoreAdmin,
  type WorkflowLeaseStore,
  type WorkflowRecord,
  type WorkflowRequest,
} from '../../src/store/store.js';

/** One adapter under test, narrowed to the ports a suite uses (plus migrate/close). */
export interface PortUnderTest<P> {
  readonly store: P & StoreAdmin;
  cleanup(): Promise<void>;
}

export const T0 = 1_700_000_000_000;
export const LEASE = 30_000;

export function request(overrides: Partial<WorkflowRequest> = {}): WorkflowRequest {
  return {
    url: 'https://example.com/article',
    depth: 'standard',
    requesterId: 'user-1',
    guildId: 'guild-1',
    channelId: 'channel-1',
    interactionId: null,
    origin: 'discord',
    delivery: { guildId: 'guild-1', channelId: 'channel-1' },
    ...overrides,
  };
}

/** The operator's scope: every workflow's reports and results. */
export const ALL = { kind: 'operator' } as const;

/** The run of a claim that must have succeeded. */
export function must(record: WorkflowRecord | null): RunLease {
  expect(record).not.toBeNull();
  const run = record === null ? null : leaseOf(record);
  if (run === null) throw new Error('expected a claimed workflow carrying a run id');
  return run;
}

/** Opens a fresh migrated store before each test of the enclosing describe; `current()` returns it. */
export function useStore<P>(make: () => Promise<PortUnderTest<P>>): () => P & StoreAdmin {
  let sut: PortUnderTest<P> | undefined;
  beforeEach(async () => {
    sut = await make();
    await sut.store.migrate();
  });
  afterEach(async () => {
    await sut?.cleanup();
    sut = undefined;
  });
  return () => {
    if (sut === undefined) throw new Error('store used outside a test');
    return sut.store;
  };
}

/** Creates a queued workflow and returns its id. */
export async function createIn(
  store: WorkflowLeaseStore,
  overrides: Partial<WorkflowRequest> = {},
  now = T0,
): Promise<string> {
  const id = randomUUID();
  const { created } = await store.createWorkflow({ id, request: request(overrides), now });
  expect(created).toBe(true);
  return id;
}

/** Claims one given workflow and returns its run. */
export async function claimRun(
  store: WorkflowLeaseStore,
  id: string,
  owner = 'w',
  now = T0,
): Promise<RunLease> {
  return must(await store.claim(id, { owner, now, leaseMs: LEASE }));
}
