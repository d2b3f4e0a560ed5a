import { describe, expect, it } from 'vitest';
import { llmFacts, spendLine } from './llm.js';

describe('model section facts', () => {
  const section = {
    items: [],
    models: ['gpt-4o-mini'],
    promptVersion: 'map@0123456789ab,reduce@0123456789ab',
    dropped: { statements: 3, quotes: 1 },
    chunks: { done: 4, total: 9 },
    usage: {
      calls: 5,
      cachedCalls: 1,
      promptTokens: 12000,
      completionTokens: 3000,
      costUsd: 0.0042,
      estimated: false,
    },
    budget: {
      limitUsd: 1.5,
      limitTokens: 200000,
      estimateUsd: 3.1,
      estimateTokens: 400000,
      stopped: 'budget reached after 4 of 9 chunks',
    },
    notes: [],
  };

  it('names the model, the dropped count, why it stopped and what it cost', () => {
    const facts = llmFacts(section).join('\n');
    expect(facts).toContain('Written by gpt-4o-mini');
    expect(facts).toContain('3 model statements dropped: not found in the source.');
    expect(facts).toContain('1 quote removed: not found in the source.');
    expect(facts).toContain('Stopped early: budget reached after 4 of 9 chunks.');
    expect(facts).toContain('4 of 9 parts analysed; 5 model calls (1 from cache)');
    expect(facts).toContain('$0.0042 of a $1.50 budget (estimate $3.10)');
  });

  it('shows the spend line for /autointel_status only once something was paid', () => {
    expect(spendLine({ calls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 })).toBe('');
    expect(spendLine({ calls: 2, promptTokens: 1000, completionTokens: 500, costUsd: 0.25 })).toBe(
      '\nModel spend: $0.25 (2 calls, 1,500 tokens)',
    );
  });
});
