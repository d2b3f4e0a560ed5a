// /autointel_status with the model ledger: the spend line when there is spend, the plain status when the ledger fails.
import { describe, expect, it } from 'vitest';
import { AdjustableClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import type { SecretBox } from '../core/secrets.js';
import type { LlmSpendTotal } from '../store/llm-ledger.js';
import type { WorkflowRecord, WorkflowStore } from '../store/store.js';
import { EngineAppServices } from './app-services.js';
import type { WorkflowEngine } from './engine.js';
import type { AnalysisIntakes } from './intake.js';
import type { FallbackNotices } from './notices.js';

const WF = '0190a6b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b';
const record: WorkflowRecord = {
  id: WF,
  request: {
    url: 'https://example.com/a',
    depth: 'standard',
    requesterId: '1',
    guildId: '2',
    channelId: '3',
    interactionId: '4',
    origin: 'discord',
    delivery: {},
  },
  status: 'running',
  progress: { stage: 'llm', percent: 60, message: 'part 2/3', updatedAt: 0 },
  attempts: 1,
  lastError: null,
  createdAt: 0,
  updatedAt: 0,
  startedAt: 0,
  finishedAt: null,
  runAfter: 0,
  runId: null,
  leaseOwner: null,
  leaseExpiresAt: null,
  cancelRequested: false,
  reportId: null,
  deliveryState: null,
  deliveryError: null,
};

function services(llmSpend?: (id: string) => Promise<LlmSpendTotal>) {
  const logged: string[] = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => logged.push(line) } });
  // status() reads the workflow through the engine only; the other collaborators are never reached here.
  const s = new EngineAppServices({
    engine: { get: (id: string) => Promise.resolve(id === WF ? record : null) } as unknown as WorkflowEngine,
    store: {} as WorkflowStore,
    clock: new AdjustableClock(30_000),
    logger,
    secretBox: {} as SecretBox,
    intakes: {} as AnalysisIntakes,
    notices: {} as FallbackNotices,
    ...(llmSpend === undefined ? {} : { llmSpend }),
  });
  return { s, logged };
}

const ask = { workflowId: WF, guildId: '2', userId: '1', isAdmin: false };
const content = (o: Awaited<ReturnType<EngineAppServices['status']>>): string =>
  o.kind === 'messages' ? (o.messages[0]?.content ?? '') : o.reason;

describe('EngineAppServices.status', () => {
  it("shows the workflow's model spend from the ledger", async () => {
    const seen: string[] = [];
    const { s } = services((id) => {
      seen.push(id);
      return Promise.resolve({ calls: 2, promptTokens: 1200, completionTokens: 300, costUsd: 0.5 });
    });
    const text = content(await s.status(ask));
    expect(seen).toEqual([WF]);
    expect(text).toContain('Stage: llm');
    expect(text).toContain('Model spend: $0.50 (2 calls, 1,500 tokens)');
  });

  it('answers without the spend line, and logs why, when the ledger cannot be read', async () => {
    const { s, logged } = services(() => Promise.reject(new Error('database is locked')));
    const text = content(await s.status(ask));
    expect(text).toContain(`Workflow ${WF}`);
    expect(text).not.toContain('Model spend');
    expect(logged.join('')).toContain('model spend could not be read for status');
  });

  it('has no spend line without a ledger', async () => {
    const text = content(await services().s.status(ask));
    expect(text).toContain(`Workflow ${WF}`);
    expect(text).not.toContain('Model spend');
  });
});
