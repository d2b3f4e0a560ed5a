// The store's entry in /healthz: a real write and read of the database on every probe, failing with which one broke.
import type { Clock } from '../core/clock.js';
import type { StoreAdmin } from './store.js';

export interface StoreHealthCheckResult {
  readonly ok: boolean;
  readonly detail?: string;
}

/** A `/healthz` check (http/server.ts HealthCheck) backed by `store.health`; never throws. */
export function storeHealthCheck(
  store: Pick<StoreAdmin, 'health'>,
  clock: Clock,
): () => Promise<StoreHealthCheckResult> {
  return async () => {
    const health = await store.health(clock.now());
    return health.ok ? { ok: true } : { ok: false, detail: `${health.check} failed: ${health.message}` };
  };
}
