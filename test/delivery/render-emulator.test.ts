// Rendered adversarial reports POSTed to the emulator through a webhook: Discord's own validation accepts every one.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdjustableClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { UndiciTransport } from '../../src/discord-api/transport.js';
import { DiscordRestClient } from '../../src/discord-api/rest.js';
import type { RestResult } from '../../src/discord-api/rest.js';
import { RateLimiter } from '../../src/discord-api/ratelimit.js';
import { renderReport } from '../../src/delivery/render.js';
import { reportArbitrary } from '../support/report-arbitrary.js';
import { DiscordEmulator } from '@autointel/discord-emulator';

const REPORTS = Number(process.env['RENDER_POST_REPORTS'] ?? 1000);

let emu: DiscordEmulator;
beforeAll(async () => {
  emu = await DiscordEmulator.start({ clock: new AdjustableClock(), rateLimits: { enabled: false } });
});
afterAll(async () => {
  await emu.close();
});

describe('rendered reports at the emulator', () => {
  it(`accepts every message of ${REPORTS} generated reports: zero 50035 / 50006`, async () => {
    const guildId = emu.createGuild().id;
    const channelId = emu.createChannel({ guildId }).id;
    const hook = emu.createWebhook({ channelId });
    const clock = new AdjustableClock();
    const logger = createLogger({ level: 'silent' });
    // Pacing off: the emulator's limits are disabled for this run, and only validation is under test.
    const rest = new DiscordRestClient({
      transport: new UndiciTransport({ apiBase: emu.apiBase }),
      logger,
      limiter: new RateLimiter({ clock, pacing: {} }),
    });
    const messages = fc
      .sample(reportArbitrary, { numRuns: REPORTS, seed: 424242 })
      .flatMap((r, i) =>
        renderReport(r, { workflowId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }),
      );
    const results: RestResult[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < messages.length) {
        const m = messages[next++];
        if (m !== undefined) results.push(await rest.executeWebhook(hook, m));
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    const byKind = new Map<string, number>();
    for (const r of results) {
      const k = r.kind === 'rejected' ? `rejected:${r.code}` : r.kind;
      byKind.set(k, (byKind.get(k) ?? 0) + 1);
    }
    const invalidForm = emu.stats().errorsByCode['50035'] ?? 0;
    const empty = emu.stats().errorsByCode['50006'] ?? 0;
    console.log(
      `emulator POST: ${REPORTS} reports, ${messages.length} messages; results ${JSON.stringify(Object.fromEntries(byKind))}; 50035=${invalidForm} 50006=${empty}`,
    );
    expect(messages.length).toBeGreaterThanOrEqual(REPORTS);
    expect(invalidForm).toBe(0);
    expect(empty).toBe(0);
    expect(byKind.get('ok')).toBe(messages.length);
    expect(emu.messages(channelId).length).toBe(messages.length);
  }, 900_000);
});
