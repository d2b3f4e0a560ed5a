import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults on an empty environment', () => {
    const c = loadConfig({});
    expect(c.discordApiBase).toBe('https://discord.com/api');
    expect(c.mode).toBe('gateway');
    expect(c.port).toBe(8080);
    expect(c.leaseMs).toBe(30_000);
    expect(c.allowPrivateNetworks).toBe(false);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names every bad key and never echoes a secret value', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', AUTOINTEL_MODE: 'carrier-pigeon', AUTOINTEL_SECRET_KEY: 'hunter2' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT/);
    expect(message).toMatch(/AUTOINTEL_MODE/);
    expect(message).toMatch(/AUTOINTEL_SECRET_KEY/);
    expect(message).not.toContain('hunter2');
  });

  it('reads the fact-check key and base URL, defaulting to Google and refusing a non-http base', () => {
    expect(loadConfig({})).toMatchObject({
      factCheckApiKey: undefined,
      factCheckBaseUrl: 'https://factchecktools.googleapis.com',
    });
    expect(
      loadConfig({
        AUTOINTEL_FACTCHECK_API_KEY: ' k-123 ',
        AUTOINTEL_FACTCHECK_BASE_URL: 'http://127.0.0.1:1/',
      }),
    ).toMatchObject({ factCheckApiKey: 'k-123', factCheckBaseUrl: 'http://127.0.0.1:1' });
    expect(() => loadConfig({ AUTOINTEL_FACTCHECK_BASE_URL: 'file:///etc' })).toThrow(
      /AUTOINTEL_FACTCHECK_BASE_URL/,
    );
  });

  it('reads METRICS_PORT as a port (blank = unset) and names it when invalid', () => {
    expect(loadConfig({}).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '' }).metricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT/);
  });

  it('reads the engine process and its CPU class (SCHED_IDLE by default), naming a bad class', () => {
    expect(loadConfig({})).toMatchObject({ engineProcess: true, enginePriority: 'idle' });
    expect(loadConfig({ AUTOINTEL_ENGINE_PRIORITY: 'low' }).enginePriority).toBe('low');
    expect(() => loadConfig({ AUTOINTEL_ENGINE_PRIORITY: 'realtime' })).toThrow(/AUTOINTEL_ENGINE_PRIORITY/);
  });

  it('strips a trailing slash from the API base and treats blank keys as unset', () => {
    const c = loadConfig({ DISCORD_API_BASE: 'http://127.0.0.1:9999/api/', DISCORD_TOKEN: '  ' });
    expect(c.discordApiBase).toBe('http://127.0.0.1:9999/api');
    expect(c.discordToken).toBeUndefined();
  });

  it('parses the model keys: fallbacks with their keys, prices, windows, per-depth budgets', () => {
    const c = loadConfig({
      AUTOINTEL_LLM_BASE_URL: 'https://api.example/v1',
      AUTOINTEL_LLM_API_KEY: 'sk-primary',
      AUTOINTEL_LLM_MODEL: 'gpt-4o-mini',
      AUTOINTEL_LLM_FALLBACKS: 'gpt-4o, llama-3.1-8b-instant@https://api.groq.com/openai/v1',
      AUTOINTEL_LLM_FALLBACK_API_KEYS: ',gsk-second',
      AUTOINTEL_LLM_PRICES: 'gpt-4o-mini=0.15/0.6,meta/llama:8b=0/0',
      AUTOINTEL_LLM_CONTEXT_WINDOWS: 'gpt-4o-mini=128000',
      AUTOINTEL_LLM_BUDGET_USD: 'deep=2.5',
    });
    expect(c.llmFallbacks).toEqual([
      { model: 'gpt-4o', baseUrl: undefined, apiKey: undefined },
      { model: 'llama-3.1-8b-instant', baseUrl: 'https://api.groq.com/openai/v1', apiKey: 'gsk-second' },
    ]);
    expect(c.llmPrices['gpt-4o-mini']).toEqual({ inputPerMTok: 0.15, outputPerMTok: 0.6 });
    expect(c.llmPrices['meta/llama:8b']).toEqual({ inputPerMTok: 0, outputPerMTok: 0 });
    expect(c.llmContextWindows).toEqual({ 'gpt-4o-mini': 128000 });
    expect(c.llmBudgetUsd).toEqual({ standard: 1.5, deep: 2.5, comprehensive: 5, experimental: 10 });
    expect(c.llmGuildDailyUsd).toBe(5);
    expect(c.llmJsonMode).toBe('json_schema');
  });

  it('names the model key at fault and never echoes the API key', () => {
    expect(() =>
      loadConfig({ AUTOINTEL_LLM_PRICES: 'gpt=cheap', AUTOINTEL_LLM_API_KEY: 'sk-do-not-print' }),
    ).toThrow(/AUTOINTEL_LLM_PRICES/);
    expect(() => loadConfig({ AUTOINTEL_LLM_BUDGET_USD: 'turbo=3' })).toThrow(/unknown depth "turbo"/);
    expect(() => loadConfig({ AUTOINTEL_LLM_FALLBACKS: 'm@ftp://x' })).toThrow(/AUTOINTEL_LLM_FALLBACKS/);
    try {
      loadConfig({ AUTOINTEL_LLM_PRICES: 'gpt=cheap', AUTOINTEL_LLM_API_KEY: 'sk-do-not-print' });
    } catch (e) {
      expect((e as Error).message).not.toContain('sk-do-not-print');
    }
  });
});
