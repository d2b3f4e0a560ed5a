// `autointel bot` as a user runs it: the front end answers in the bot's process while the workflow runs in its engine
// process (the log lines of the run carry the engine's pid), and killing the bot with SIGKILL does not leave the
// engine running behind it: the engine sees its channel close, releases what it runs and ends. The engine's threads
// run in Linux's SCHED_IDLE class (the default AUTOINTEL_ENGINE_PRIORITY=idle).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiscordEmulator } from '@autointel/discord-emulator';
import { spawnAutointel, type SpawnedProcess } from '../scale/processes.js';
import { ct19Articles, opt, servePages, until } from '../support/e2e-pages.js';
import { childrenOf, isAlive } from '../support/process-tree.js';
import { ENGINE_NICENESS, SCHED_IDLE, threadScheduling } from '../../src/engine-process/priority.js';

const hasChrt = (): boolean => spawnSync('chrt', ['--version']).status === 0;

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(process.platform !== 'linux')('autointel bot with its engine process', () => {
  it(
    'runs the workflow in the engine process, which ends when the bot is killed',
    { timeout: 120_000 },
    async () => {
      const emu = await DiscordEmulator.start({ heartbeatIntervalMs: 1_000 });
      cleanups.push(() => emu.close());
      const guildId = emu.createGuild({ name: 'engine' }).id;
      const channelId = emu.createChannel({ guildId, name: 'reports' }).id;
      const userId = emu.createUser({ username: 'member' }).id;
      emu.addMember({ guildId, userId });
      const [article] = ct19Articles(1);
      if (article === undefined) throw new Error('no article');
      const pages = await servePages([article]);
      cleanups.push(() => pages.close());
      const dataDir = mkdtempSync(join(tmpdir(), 'autointel-e2e-engine-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

      const bot: SpawnedProcess = spawnAutointel({
        name: 'bot',
        args: ['bot'],
        env: {
          DISCORD_API_BASE: emu.apiBase,
          DISCORD_TOKEN: emu.application.botToken,
          DISCORD_APPLICATION_ID: emu.application.id,
          AUTOINTEL_DATA_DIR: dataDir,
          AUTOINTEL_ALLOW_PRIVATE_NETWORKS: 'true',
          PORT: '0',
          LOG_LEVEL: 'info',
        },
      });
      cleanups.push(async () => {
        await bot.stop(5_000);
      });
      await until(
        'the gateway session',
        () => emu.gatewaySessionCount() > 0 || bot.child.exitCode !== null,
        30_000,
      );
      const botPid = bot.child.pid ?? -1;
      const [enginePid, ...others] = childrenOf(botPid);
      expect(enginePid, 'the bot runs one engine process').toBeTypeOf('number');
      expect(others).toEqual([]);

      const fired = await emu.fireSlashCommand({
        guildId,
        channelId,
        userId,
        name: 'autointel',
        options: [opt('url', `${pages.base}${article.path}`), opt('depth', 'standard')],
      });
      const done = await until(
        'the workflow to complete',
        () => bot.lines.find((l) => l.includes('"workflow completed"')) ?? null,
        60_000,
        () => bot.lines.slice(-20).join('\n'),
      );
      // The run's lines come from the engine process; the acknowledgement came from the bot's.
      expect((JSON.parse(done) as { pid: number }).pid).toBe(enginePid);
      expect(emu.interaction(fired.interactionId)?.responseType).toBe(5);
      // Every engine thread (the content pool's included, started after the class was set) is in SCHED_IDLE; the
      // bot's threads are not. All run at niceness 10 (without chrt the engine says it fell back to that alone).
      const engineThreads = threadScheduling(enginePid ?? -1);
      expect(engineThreads.length).toBeGreaterThan(4);
      expect(engineThreads.filter((t) => t.nice !== ENGINE_NICENESS)).toEqual([]);
      if (hasChrt()) expect(engineThreads.filter((t) => t.policy !== SCHED_IDLE)).toEqual([]);
      else expect(bot.lines.some((l) => l.includes('could not enter SCHED_IDLE'))).toBe(true);
      expect(threadScheduling(botPid).filter((t) => t.policy === SCHED_IDLE)).toEqual([]);

      await bot.kill9();
      await until('the engine process to end after its bot died', () => !isAlive(enginePid ?? -1), 30_000);
    },
  );
});
