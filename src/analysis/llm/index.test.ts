import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/config.js';
import { providersFrom } from './index.js';

describe('providersFrom', () => {
  it('names the keys that are missing when no model is configured', () => {
    expect(providersFrom(loadConfig({}))).toEqual({
      reason: 'No model is configured (AUTOINTEL_LLM_BASE_URL and AUTOINTEL_LLM_MODEL not set)',
    });
    expect(providersFrom(loadConfig({ AUTOINTEL_LLM_BASE_URL: 'http://127.0.0.1:11434/v1' }))).toEqual({
      reason: 'No model is configured (AUTOINTEL_LLM_MODEL not set)',
    });
  });

  it('orders the primary before the fallbacks; a fallback elsewhere never receives the primary key', () => {
    const r = providersFrom(
      loadConfig({
        AUTOINTEL_LLM_BASE_URL: 'https://api.openai.com/v1',
        AUTOINTEL_LLM_API_KEY: 'sk-primary-000',
        AUTOINTEL_LLM_MODEL: 'gpt-4o-mini',
        AUTOINTEL_LLM_FALLBACKS: 'gpt-4o,qwen2.5:7b@http://127.0.0.1:11434/v1',
        AUTOINTEL_LLM_PRICES: 'gpt-4o-mini=0.15/0.6',
        AUTOINTEL_LLM_CONTEXT_WINDOWS: 'gpt-4o-mini=128000',
        AUTOINTEL_LLM_CONTEXT_TOKENS: '4096',
      }),
    );
    if (!('providers' in r)) throw new Error(r.reason);
    expect(r.providers).toEqual([
      {
        model: 'gpt-4o-mini',
        baseUrl: 'https://api.openai.com/v1',
        apiKey: 'sk-primary-000',
        contextTokens: 128000,
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      },
      {
        model: 'gpt-4o',
        baseUrl: 'https://api.openai.com/v1',
        apiKey: 'sk-primary-000',
        contextTokens: 4096,
        price: null,
      },
      {
        model: 'qwen2.5:7b',
        baseUrl: 'http://127.0.0.1:11434/v1',
        apiKey: undefined,
        contextTokens: 4096,
        price: null,
      },
    ]);
  });
});
