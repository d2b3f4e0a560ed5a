import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemClock } from '../../core/clock.js';
import { PermanentError } from '../../core/errors.js';
import fc from 'fast-check';
import { reportArbitrary } from '../../../test/support/report-arbitrary.js';
import { renderReportJob } from '../../delivery/render-job.js';
import { DefaultBodyLimits } from '../acquire/budget.js';
import { SerializedJson } from '../../core/json.js';
import { ReportSchema } from '../report.js';
import { reportSearchFields } from '../report-search.js';
import { pooledReportFields } from './report-jobs.js';
import { ContentPool, defaultWorkerUrl } from './pool.js';

const clock = new SystemClock();
const html = (body: string): Uint8Array =>
  Buffer.from(`<!doctype html><html lang="en"><head><title>T</title></head><body>${body}</body></html>`);
const bodyTask = (bytes: Uint8Array) =>
  ({
    kind: 'body',
    input: {
      bytes,
      kind: 'html',
      contentType: 'text/html; charset=utf-8',
      name: '/a.html',
      headerLanguage: null,
      limits: DefaultBodyLimits,
    },
  }) as const;

/** A worker script from source text: answers nothing, so only the pool's own budgets can end its jobs. */
const scriptUrl = (source: string): URL => new URL(`data:text/javascript,${encodeURIComponent(source)}`);
const SPIN = scriptUrl(
  `import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => { for (;;) {} });`,
);
const HOG = scriptUrl(
  `import { parentPort } from 'node:worker_threads'; const keep = [];
   parentPort.on('message', () => { for (;;) keep.push(new Array(1e5).fill({ x: Math.random() })); });`,
);

let pools: ContentPool[] = [];
afterEach(async () => {
  await Promise.all(pools.map((p) => p.close()));
  pools = [];
});
const make = (o: Partial<ConstructorParameters<typeof ContentPool>[0]> = {}): ContentPool => {
  const p = new ContentPool({ clock, size: 1, ...o });
  pools.push(p);
  return p;
};

describe('defaultWorkerUrl', () => {
  it('maps a source module under src/ to its compiled twin under dist/src/', () => {
    const url = defaultWorkerUrl('worker.js', pathToFileURL('/repo/src/analysis/work/pool.ts').href);
    expect(fileURLToPath(url)).toBe(path.join('/repo', 'dist', 'src', 'analysis', 'work', 'worker.js'));
  });

  it('uses the sibling worker.js when already compiled', () => {
    const url = defaultWorkerUrl('worker.js', pathToFileURL('/repo/dist/src/analysis/work/pool.js').href);
    expect(fileURLToPath(url)).toBe('/repo/dist/src/analysis/work/worker.js');
  });
});

describe('ContentPool', () => {
  it('extracts an article on a worker thread', async () => {
    const out = await make().run(bodyTask(html('<article><p>Hello from a thread.</p></article>')), {
      deadlineMs: 30_000,
    });
    expect(out.fields.text).toContain('Hello from a thread.');
    expect(out.fields.kind).toBe('article');
  });

  it('counts jobs done, failed and timed out', async () => {
    const pool = make();
    await pool.run(bodyTask(html('<article><p>One.</p></article>')), { deadlineMs: 30_000 });
    const deep = `${'<div>'.repeat(2_000)}x${'</div>'.repeat(2_000)}`;
    await pool.run(bodyTask(html(deep)), { deadlineMs: 30_000 }).catch(() => undefined);
    expect(pool.stats()).toMatchObject({ size: 1, busy: 0, queued: 0, done: 1, failed: 1, timedOut: 0 });
    const spinning = make({ workerUrl: SPIN });
    await spinning.run(bodyTask(html('x')), { deadlineMs: 200 }).catch(() => undefined);
    expect(spinning.stats()).toMatchObject({ done: 0, failed: 0, timedOut: 1, replaced: 1 });
  });

  it('returns a refused body as its typed, permanent error', async () => {
    const deep = `${'<div>'.repeat(2_000)}x${'</div>'.repeat(2_000)}`;
    await expect(make().run(bodyTask(html(deep)), { deadlineMs: 30_000 })).rejects.toMatchObject({
      code: 'acquire.too_complex',
      retryable: false,
      userMessage: expect.stringMatching(/nests 2,00\d levels deep, the limit is 128/) as unknown,
    });
  });

  it('stops a job past its deadline with the caller’s message, then serves the next job on a fresh thread', async () => {
    const pool = make({ workerUrl: SPIN });
    const t0 = Date.now();
    await expect(
      pool.run(bodyTask(html('x')), {
        deadlineMs: 300,
        onDeadline: () => new PermanentError('test.deadline', 'the page is too complex to read within 0.3 s'),
      }),
    ).rejects.toThrow('within 0.3 s');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(pool.stats()).toMatchObject({ busy: 0, replaced: 1 });
    await expect(pool.run(bodyTask(html('x')), { deadlineMs: 200 })).rejects.toMatchObject({
      code: 'content.deadline',
      retryable: false,
    });
    expect(pool.stats().replaced).toBe(2);
  });

  it('fails a job that exhausts its heap budget permanently, naming the budget', async () => {
    const pool = make({ workerUrl: HOG, heapMb: 64 });
    await expect(pool.run(bodyTask(html('x')), { deadlineMs: 60_000 })).rejects.toMatchObject({
      code: 'content.memory',
      retryable: false,
      userMessage: expect.stringContaining('64 MB') as unknown,
    });
  });

  it('refuses work past its bounded queue as retry-later, and aborts a queued job', async () => {
    const pool = make({ workerUrl: SPIN, maxQueued: 1 });
    const running = pool.run(bodyTask(html('a')), { deadlineMs: 60_000 });
    const controller = new AbortController();
    const queued = pool.run(bodyTask(html('b')), { deadlineMs: 60_000, signal: controller.signal });
    await expect(pool.run(bodyTask(html('c')), { deadlineMs: 60_000 })).rejects.toMatchObject({
      code: 'content.pool_busy',
      retryable: true,
    });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    const closed = expect(running).rejects.toMatchObject({ code: 'content.pool_closed' });
    await pool.close();
    await closed;
  });

  it('validates a report on a thread and hands it back as JSON text; names where an invalid one fails', async () => {
    const pool = make();
    const [report] = fc.sample(reportArbitrary, { numRuns: 1, seed: 8 });
    const ok = await pool.run({ kind: 'validate-report', draft: report }, { deadlineMs: 30_000 });
    expect(ok.ok && (JSON.parse(ok.json) as unknown)).toEqual(ReportSchema.parse(report));
    const bad = await pool.run(
      { kind: 'validate-report', draft: { ...report, source: { ...report?.source, wordCount: 'many' } } },
      { deadlineMs: 30_000 },
    );
    expect(bad).toMatchObject({ ok: false, path: 'source.wordCount' });
  });

  it('renders a stored report into Discord messages on a thread, the chart attached; refuses an unreadable one', async () => {
    const pool = make();
    const [report] = fc.sample(reportArbitrary, { numRuns: 1, seed: 3 });
    const input = { workflowId: 'wf-1', report, reportUrl: null, chart: true };
    const out = await pool.run({ kind: 'render-report', input }, { deadlineMs: 30_000 });
    const inline = await renderReportJob(input);
    expect(out).toEqual(inline);
    expect(out.kind === 'rendered' && out.messages.length).toBeGreaterThan(0);
    const bad = await pool.run(
      { kind: 'render-report', input: { ...input, report: { schemaVersion: 2 } } },
      { deadlineMs: 30_000 },
    );
    expect(bad).toMatchObject({ kind: 'invalid', error: { code: 'delivery.invalid_report' } });
    // The report as JSON text renders the same; text that is not JSON is an unreadable report, not a crash.
    const fromText = { ...input, report: null, reportJson: JSON.stringify(report) };
    expect(await pool.run({ kind: 'render-report', input: fromText }, { deadlineMs: 30_000 })).toEqual(
      inline,
    );
    expect(
      await pool.run(
        { kind: 'render-report', input: { ...fromText, reportJson: '{' } },
        { deadlineMs: 30_000 },
      ),
    ).toMatchObject({ kind: 'invalid' });
  });

  it('derives a report’s search fields from its JSON text on a thread, as the inline walk does', async () => {
    const pool = make();
    const [report] = fc.sample(reportArbitrary, { numRuns: 1, seed: 5 });
    const fields = await pooledReportFields(pool)(
      new SerializedJson(JSON.stringify(report)),
      'https://example.com/x',
      new AbortController().signal,
    );
    expect(fields).toEqual(reportSearchFields(report, 'https://example.com/x'));
    expect(pool.stats().done).toBe(1);
  });

  it('refuses invalid options, naming the option and the value', () => {
    expect(() => new ContentPool({ clock, size: 0 })).toThrow(/'size'.*received 0/);
    expect(() => new ContentPool({ clock, heapMb: 8 })).toThrow(/'heapMb'.*received 8/);
  });
});
