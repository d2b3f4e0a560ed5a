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

  it('strips a trailing slash from the API base and treats blank keys as unset', () => {
    const c = loadConfig({ DISCORD_API_BASE: 'http://127.0.0.1:9999/api/', DISCORD_TOKEN: '  ' });
    expect(c.discordApiBase).toBe('http://127.0.0.1:9999/api');
    expect(c.discordToken).toBeUndefined();
  });
});
