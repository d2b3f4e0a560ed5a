// The llm stage end to end through the pipeline: grounding, fabricated quotes, failures, budgets, cache, resume.
import { afterEach, describe, expect, it } from 'vitest';
import { countTokens } from '../../src/analysis/llm/chunking.js';
import { renderMarkdown } from '../../src/analysis/render/markdown.js';
import { renderText } from '../../src/analysis/render/text.js';
import { isMissing } from '../../src/analysis/report.js';
import { renderReport } from '../../src/delivery/render.js';
import { MemoryLlmLedger } from '../../src/store/llm-ledger.js';
import {
  apiError,
  completion,
  groundedAnswer,
  kindsOf,
  passageOf,
  sentencesOf,
  startChatServer,
  type ChatRequest,
  type ChatServer,
} from '../support/chat-server.js';
import { BUDGETS, llmStage, longText, provider, present, runReport } from './harness.js';

let servers: ChatServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function server(script: Parameters<typeof startChatServer>[0]): Promise<ChatServer> {
  const s = await startChatServer(script);
  servers.push(s);
  return s;
}

const SHORT = longText(3);
/** Usage as a real server reports it: the prompt it was sent, and an answer within max_tokens. */
const realUsage = (req: ChatRequest) => ({
  prompt: countTokens(req.body.messages.map((m) => m.content).join('\n')) + 20,
  completion: 200,
});
const isMap = (req: ChatRequest): boolean => passageOf(req) !== '';

function allRendered(report: Parameters<typeof renderMarkdown>[0]): string {
  const discord = renderReport(report, { workflowId: 'wf-llm-1' } as Parameters<typeof renderReport>[1]);
  return [renderMarkdown(report), renderText(report), JSON.stringify(report), JSON.stringify(discord)].join(
    '\n',
  );
}

describe('llm stage', () => {
  it('keeps grounded statements with their source spans, labelled with the model, in JSON, Markdown, text and Discord', async () => {
    const s = await server((req) => completion(groundedAnswer(req), { model: 'model-a' }));
    const report = await runReport(
      SHORT,
      'deep',
      llmStage({ providers: [provider(s.url)], ledger: new MemoryLlmLedger() }),
    );
    const llm = present(report.sections.llm);
    expect(llm.items.map((i) => i.kind)).toEqual(['tldr', 'key_point', 'claim']);
    for (const item of llm.items) {
      expect(item.model).toBe('model-a');
      for (const q of item.quotes) expect(SHORT.slice(q.span.start, q.span.end)).toBe(q.text);
    }
    expect(llm.dropped).toEqual({ statements: 0, quotes: 0 });
    expect(llm.promptVersion).toMatch(/^map@[0-9a-f]{12},reduce@[0-9a-f]{12}$/);
    expect(report.engines['llm-prompts']).toBe(llm.promptVersion);
    expect(llm.usage.calls).toBe(1);
    expect(report.timings.map((t) => t.stage)).toContain('llm');
    const md = renderMarkdown(report);
    expect(md).toContain('[model: model-a]');
    expect(md).toContain('Written by model-a');
    const discord = JSON.stringify(
      renderReport(report, { workflowId: 'wf-llm-1' } as Parameters<typeof renderReport>[1]),
    );
    expect(discord).toContain('model-a');
    expect(discord).toContain('Claims in checkable form');
  });

  it('drops every statement whose quotes are fabricated, removes fabricated quotes, and counts both', async () => {
    const FAKE_1 = 'The mayor admitted the bridges were never needed at all';
    const FAKE_2 = 'Scientists confirmed the budget will triple by next spring';
    const FAKE_3 = 'A spokesperson promised free housing for every resident';
    const s = await server((req) => {
      const real = sentencesOf(passageOf(req));
      return completion(
        JSON.stringify({
          statements: [
            {
              kind: 'tldr',
              text: 'Grounded summary of the council budget.',
              detail: null,
              quotes: [real[0]],
            },
            { kind: 'key_point', text: 'Invented point one', detail: null, quotes: [FAKE_1] },
            { kind: 'key_point', text: 'Invented point two', detail: null, quotes: [FAKE_2, FAKE_3] },
            // A paraphrase is not a quote.
            {
              kind: 'claim',
              text: 'Paraphrased claim',
              detail: null,
              quotes: ['the council approved a budget for bridges'],
            },
            { kind: 'claim', text: 'Half-grounded claim', detail: null, quotes: [real[1], FAKE_3] },
          ],
        }),
      );
    });
    const report = await runReport(
      SHORT,
      'deep',
      llmStage({ providers: [provider(s.url)], ledger: new MemoryLlmLedger() }),
    );
    const llm = present(report.sections.llm);
    expect(llm.items.map((i) => i.text)).toEqual([
      'Grounded summary of the council budget.',
      'Half-grounded claim',
    ]);
    expect(llm.dropped).toEqual({ statements: 3, quotes: 5 });
    expect(llm.items[1]!.quotes).toHaveLength(1);
    expect(report.notes).toContain('3 model statements dropped: not found in the source.');
    const everything = allRendered(report);
    for (const fake of [FAKE_1, FAKE_2, FAKE_3, 'Invented point', 'Paraphrased claim'])
      expect(everything).not.toContain(fake);
    expect(renderMarkdown(report)).toContain('3 model statements dropped: not found in the source.');
  });

  it('500 forever: falls back to the next provider, then leaves the offline report whole and names the errors in plain words', async () => {
    const a = await server(() => apiError(500, 'The server had an error'));
    const b = await server(() => apiError(502, 'Bad gateway'));
    const report = await runReport(
      SHORT,
      'standard',
      llmStage({
        providers: [provider(a.url, 'model-a'), provider(b.url, 'model-b')],
        ledger: new MemoryLlmLedger(),
      }),
    );
    expect(a.requests).toHaveLength(3);
    expect(b.requests).toHaveLength(3);
    const s = report.sections.llm;
    expect(s !== undefined && isMissing(s)).toBe(true);
    const reason = s !== undefined && isMissing(s) ? s.missing.reason : '';
    expect(reason).toMatch(/model-a at 127\.0\.0\.1:\d+: it answered with a server error \(HTTP 500/);
    expect(reason).toContain('model-b');
    expect(reason).toContain('HTTP 502');
    expect(reason).toContain('The offline sections stand alone');
    expect(reason).not.toContain('sk-test-key');
    // The offline sections are all there.
    expect(isMissing(report.sections.summary)).toBe(false);
    expect(isMissing(report.sections.keyPoints)).toBe(false);
  });

  it('429 then success: the answer arrives after the wait the server asked for', async () => {
    const s = await server((req) =>
      req.n === 1
        ? apiError(429, 'Rate limit reached for requests', { 'retry-after': '2' })
        : completion(groundedAnswer(req)),
    );
    const h = llmStage({ providers: [provider(s.url)], ledger: new MemoryLlmLedger() });
    const t0 = h.clock.now();
    const report = await runReport(SHORT, 'standard', h);
    expect(present(report.sections.llm).items.length).toBeGreaterThan(0);
    expect(h.clock.now() - t0).toBeGreaterThanOrEqual(2_000);
  });

  it('map-reduce: one call per chunk plus one reduce; the summary comes from the reduce and every quote is still checked', async () => {
    const text = longText(12);
    const s = await server((req) => completion(groundedAnswer(req), { usage: realUsage(req) }));
    const report = await runReport(
      text,
      'comprehensive',
      llmStage({
        providers: [provider(s.url, 'model-a', { contextTokens: 1_100 })],
        ledger: new MemoryLlmLedger(),
      }),
    );
    const llm = present(report.sections.llm);
    const maps = s.requests.filter(isMap);
    expect(llm.chunks.total).toBeGreaterThan(3);
    expect(maps).toHaveLength(llm.chunks.total);
    expect(s.requests).toHaveLength(llm.chunks.total + 1);
    const reduce = s.requests.find((r) => !isMap(r))!;
    expect(reduce.body.response_format?.json_schema?.name).toBe('summary');
    expect(llm.items.filter((i) => i.kind === 'tldr')).toHaveLength(1);
    expect(kindsOf(maps[0]!)).toEqual(['tldr', 'key_point', 'claim', 'chapter', 'argument']);
    const chapters = llm.items.filter((i) => i.kind === 'chapter').map((i) => i.quotes[0]!.span.start);
    expect(chapters).toEqual([...chapters].sort((x, y) => x - y));
    expect(llm.usage.calls).toBe(llm.chunks.total + 1);
  });

  it('a budget stops the stage between chunks, never passes the limit, and the report says after how many', async () => {
    const text = longText(30);
    const s = await server((req) => completion(groundedAnswer(req), { usage: realUsage(req) }));
    const h = llmStage({
      providers: [
        provider(s.url, 'model-a', {
          contextTokens: 1_200,
          price: { inputPerMTok: 500, outputPerMTok: 1_000 },
        }),
      ],
      ledger: new MemoryLlmLedger(),
      concurrency: 1,
    });
    const report = await runReport(text, 'standard', h);
    const llm = present(report.sections.llm);
    const m = /budget reached after (\d+) of (\d+) chunks/.exec(llm.budget.stopped ?? '');
    expect(m).not.toBeNull();
    const [done, total] = [Number(m![1]), Number(m![2])];
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(total);
    expect(s.requests.filter(isMap)).toHaveLength(done);
    expect(llm.chunks).toEqual({ done, total });
    expect(llm.usage.costUsd).toBeLessThanOrEqual(BUDGETS.usd.standard);
    expect(llm.budget.estimateUsd).toBeGreaterThan(BUDGETS.usd.standard);
    expect(renderMarkdown(report)).toContain(`budget reached after ${done} of ${total} chunks`);
  });

  it('the same request costs nothing the second time: answers come from the cache', async () => {
    const ledger = new MemoryLlmLedger();
    const s = await server((req) => completion(groundedAnswer(req), { usage: realUsage(req) }));
    const first = present(
      (
        await runReport(
          longText(8),
          'standard',
          llmStage({ providers: [provider(s.url, 'model-a', { contextTokens: 1_400 })], ledger }),
          {},
          'wf-a',
        )
      ).sections.llm,
    );
    const paid = s.requests.length;
    expect(paid).toBeGreaterThan(1);
    const second = present(
      (
        await runReport(
          longText(8),
          'standard',
          llmStage({ providers: [provider(s.url, 'model-a', { contextTokens: 1_400 })], ledger }),
          {},
          'wf-b',
        )
      ).sections.llm,
    );
    expect(s.requests).toHaveLength(paid);
    expect(second.usage).toMatchObject({ calls: 0, cachedCalls: paid, costUsd: 0 });
    expect(second.items).toEqual(first.items);
    expect((await ledger.workflowSpend('wf-b')).calls).toBe(0);
    expect((await ledger.workflowSpend('wf-a')).calls).toBe(paid);
  });

  it("a guild's daily budget: spend from today counts, yesterday's does not, and a spent budget stops the stage", async () => {
    const ledger = new MemoryLlmLedger();
    const s = await server((req) => completion(groundedAnswer(req)));
    const h = llmStage({ providers: [provider(s.url)], ledger, guildOf: () => Promise.resolve('guild-1') });
    const today = h.clock.now();
    const spend = (at: number, costUsd: number) =>
      ledger.recordSpend({
        guildId: 'guild-1',
        workflowId: 'old',
        stage: 'llm',
        model: 'model-a',
        promptTokens: 1,
        completionTokens: 1,
        costUsd,
        at,
      });
    await spend(today - 86_400_000, 100);
    await spend(today - 60_000, 4);
    const partly = present((await runReport(SHORT, 'standard', h, {}, 'wf-1')).sections.llm);
    expect(partly.budget.limitUsd).toBeCloseTo(1, 6);
    expect((await ledger.guildSpend('guild-1', today - 3_600_000, today + 1)).calls).toBe(2);
    await spend(today - 30_000, 1);
    const before = s.requests.length;
    const report = await runReport(SHORT, 'standard', h, {}, 'wf-2');
    expect(s.requests).toHaveLength(before);
    const section = report.sections.llm;
    expect(section !== undefined && isMissing(section) && section.missing.reason).toMatch(
      /daily model budget \(\$5\.00\) is spent/,
    );
  });

  it('resumes at the next chunk after a failure part-way: no chunk is requested twice', async () => {
    const text = longText(30);
    const outputs: Record<string, unknown> = {};
    const answered: string[] = [];
    let down = false;
    const s = await server((req) => {
      if (down) return apiError(500, 'down');
      if (!isMap(req)) return completion(groundedAnswer(req), { usage: realUsage(req) });
      answered.push(passageOf(req));
      if (answered.length === 12) down = true;
      return completion(groundedAnswer(req), { usage: realUsage(req) });
    });
    // A 1 030-token window leaves room for one paragraph per chunk: 30 chunks.
    const h = () =>
      llmStage({
        providers: [provider(s.url, 'model-a', { contextTokens: 1_030 })],
        ledger: new MemoryLlmLedger(),
        concurrency: 1,
      });
    // The first run ends with the provider down after 12 chunks; its llm checkpoint is thrown away, the partials stay.
    const first = present((await runReport(text, 'standard', h(), outputs)).sections.llm);
    expect(first.budget.stopped).toMatch(/the model failed after 12 of 30 chunks/);
    delete outputs['llm'];
    delete outputs['report'];
    down = false;
    const second = present((await runReport(text, 'standard', h(), outputs)).sections.llm);
    expect(second.chunks).toEqual({ done: 30, total: 30 });
    expect(answered).toHaveLength(30);
    expect(new Set(answered).size).toBe(30);
    // Partials loaded from the first run count towards this run's usage, so the budget sees the whole stage.
    expect(second.usage.calls).toBe(31);
  });
});
