// A bot that died between acknowledging /autointel and creating the workflow left only the intake stored with its
// claim: the next bot to start must run that request and deliver its report.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { AdjustableClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { SecretBox } from '../../src/core/secrets.js';
import { loadOrCreateSecretKey } from '../../src/delivery/secret-key.js';
import type { AnalysisIntake } from '../../src/discord/ports.js';
import { DiscordEmulator } from '@autointel/discord-emulator';
import { startApp, type RunningApp } from '../../src/main.js';
import { SqliteWorkflowStore } from '../../src/store/sqlite/sqlite-store.js';
import { countParts, ct19Articles, opt, servePages, until, type PageServer } from '../support/e2e-pages.js';

const dataDir = mkdtempSync(join(tmpdir(), 'autointel-e2e-intake-'));
let emu: DiscordEmulator | undefined;
let pages: PageServer | undefined;
let app: RunningApp | null = null;

afterAll(async () => {
  await app?.stop();
  await emu?.close();
  await pages?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('intake recovery', () => {
  it('runs and delivers an acknowledged request whose process died before it started', async () => {
    const clock = new AdjustableClock();
    emu = await DiscordEmulator.start({ clock, heartbeatIntervalMs: 5_000 });
    const [article] = ct19Articles(1, 12);
    if (article === undefined) throw new Error('no article generated');
    pages = await servePages([article]);
    const guildId = emu.createGuild({ name: 'Recovery' }).id;
    const channelId = emu.createChannel({ guildId, name: 'analysis' }).id;
    const userId = emu.createUser({ username: 'unlucky' }).id;
    emu.addMember({ guildId, userId });
    const webhook = emu.createWebhook({ channelId, name: 'autointel reports' });

    // The interaction Discord sent to the bot that died: its claim and intake are all that reached the store.
    const fired = await emu.fireSlashCommand({
      guildId,
      channelId,
      userId,
      name: 'autointel',
      options: [opt('url', `${pages.base}${article.path}`), opt('depth', 'standard')],
    });
    const intake: AnalysisIntake = {
      url: `${pages.base}${article.path}`,
      depth: 'standard',
      interaction: {
        id: fired.interactionId,
        applicationId: emu.application.id,
        token: fired.token,
        createdAt: clock.now(),
        guildId,
        channelId,
        userId,
        isAdmin: false,
      },
    };
    const box = new SecretBox(loadOrCreateSecretKey({ dataDir }));
    const dead = new SqliteWorkflowStore({ filename: join(dataDir, 'autointel.db') });
    await dead.migrate();
    expect(
      await dead.claimInteraction(
        fired.interactionId,
        'dead-process',
        clock.now(),
        box.seal(JSON.stringify(intake)),
      ),
    ).toBe(true);
    await dead.close();
    clock.advance(11_000); // past the grace period that protects requests a live process is still handling

    app = await startApp(
      loadConfig({
        DISCORD_TOKEN: emu.application.botToken,
        DISCORD_APPLICATION_ID: emu.application.id,
        DISCORD_API_BASE: emu.apiBase,
        DISCORD_WEBHOOK: webhook.url,
        PORT: '0',
        AUTOINTEL_DATA_DIR: dataDir,
        AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
      }),
      // The test clock moved past the recovery grace period: the workflow runs in this process, on that clock.
      { role: 'bot', worker: true, clock, logger: createLogger({ level: 'silent' }), engineProcess: false },
    );
    const running = app;

    const workflow = await until(
      'the recovered workflow to be delivered',
      async () => {
        const [w] = await running.store.listWorkflows({ limit: 10 });
        return w !== undefined && w.status === 'completed' && w.deliveryState === 'delivered' ? w : null;
      },
      60_000,
    );
    expect(workflow.request.interactionId).toBe(fired.interactionId);
    expect(workflow.request.url).toBe(intake.url);
    expect(await running.store.listOpenIntakes({ before: clock.now(), limit: 10 })).toEqual([]);
    const parts = countParts(emu.messages(channelId)).get(workflow.id);
    expect(parts?.parts, 'the recovered report reached the channel').toBeGreaterThan(0);
    expect(parts?.duplicates).toBe(0);
  });
});
