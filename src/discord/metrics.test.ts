import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerContentPoolMetrics, type ContentPoolGauges } from './metrics.js';

const value = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.slice(name.length + 1));
};

describe('content pool metrics', () => {
  it('exports the pool’s threads, busy threads, queue and job totals as they are at each scrape', async () => {
    const registry = new Registry();
    let stats: ContentPoolGauges = {
      size: 4,
      busy: 3,
      queued: 7,
      replaced: 1,
      done: 120,
      failed: 2,
      timedOut: 1,
    };
    registerContentPoolMetrics(registry, () => stats);
    const first = await registry.metrics();
    expect(value(first, 'autointel_content_pool_threads')).toBe(4);
    expect(value(first, 'autointel_content_pool_busy_threads')).toBe(3);
    expect(value(first, 'autointel_content_pool_queue_length')).toBe(7);
    expect(value(first, 'autointel_content_pool_jobs_done_total')).toBe(120);
    expect(value(first, 'autointel_content_pool_jobs_failed_total')).toBe(2);
    expect(value(first, 'autointel_content_pool_jobs_timed_out_total')).toBe(1);
    expect(value(first, 'autointel_content_pool_threads_replaced_total')).toBe(1);
    expect(first).toContain('# TYPE autointel_content_pool_jobs_done_total counter');

    stats = { ...stats, busy: 0, queued: 0, done: 130 };
    const second = await registry.metrics();
    expect(value(second, 'autointel_content_pool_busy_threads')).toBe(0);
    expect(value(second, 'autointel_content_pool_queue_length')).toBe(0);
    // A total, not a sum of scrapes.
    expect(value(second, 'autointel_content_pool_jobs_done_total')).toBe(130);
  });
});
