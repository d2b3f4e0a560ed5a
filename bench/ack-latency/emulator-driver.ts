// Child process of the ack-latency bench: runs the Discord emulator away from the bot's loaded event loop, fires
// slash commands at a fixed rate when asked, and reports each interaction's acknowledgement latency from its timeline.
import { performance } from 'node:perf_hooks';
import { DiscordEmulator } from '@autointel/discord-emulator';

const CALLBACK_ROUTE = '/interactions/:interaction_id/:token/callback';

export type DriverRequest =
  | {
      readonly type: 'fire';
      readonly label: string;
      readonly count: number;
      readonly perSecond: number;
      readonly name: string;
      readonly options: readonly { name: string; type: number; value: string }[];
    }
  | { readonly type: 'close' };

export type DriverMessage =
  | {
      readonly type: 'ready';
      readonly apiBase: string;
      readonly application: { readonly id: string; readonly botToken: string };
    }
  | {
      readonly type: 'result';
      readonly label: string;
      /** Sent → initial response received, per acknowledged interaction (ms, emulator clock). */
      readonly latencies: number[];
      readonly errorsByCode: Record<string, number>;
      /** Interactions that never got an accepted initial response. */
      readonly unanswered: number;
      readonly firedOverMs: number;
    };

const send = (m: DriverMessage): void => {
  process.send?.(m);
};

async function main(): Promise<void> {
  const emu = await DiscordEmulator.start({ rateLimits: { enabled: false }, heartbeatIntervalMs: 5_000 });
  const guildId = emu.createGuild({ name: 'bench' }).id;
  const channelId = emu.createChannel({ guildId, name: 'bench' }).id;
  const userId = emu.createUser({ username: 'bench' }).id;
  emu.addMember({ guildId, userId });

  async function fire(req: Extract<DriverRequest, { type: 'fire' }>): Promise<void> {
    emu.clearTimeline();
    const ids: string[] = [];
    const start = performance.now();
    const interval = 1000 / req.perSecond;
    // Fire on schedule: each tick sends every interaction that is due, so a late tick does not lower the rate.
    while (ids.length < req.count) {
      const due = Math.min(req.count, Math.floor((performance.now() - start) / interval) + 1);
      while (ids.length < due) {
        const r = await emu.fireSlashCommand({
          guildId,
          channelId,
          userId,
          name: req.name,
          options: [...req.options],
        });
        ids.push(r.interactionId);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    const firedOverMs = performance.now() - start;
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline && ids.some((id) => emu.interaction(id)?.acknowledgedAt == null)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // Let the bots' follow-up requests (edits) drain so they do not spill into the next phase.
    await new Promise((r) => setTimeout(r, 1_000));
    const wanted = new Set(ids);
    const latencies: number[] = [];
    const errorsByCode: Record<string, number> = {};
    for (const e of emu.timeline()) {
      if (e.direction === 'inbound' && e.status >= 400) {
        const key = String(e.code ?? e.status);
        errorsByCode[key] = (errorsByCode[key] ?? 0) + 1;
      }
      if (e.route === CALLBACK_ROUTE && e.interactionId !== undefined && wanted.has(e.interactionId)) {
        if (e.ackLatencyMs !== undefined) latencies.push(e.ackLatencyMs);
      }
    }
    const unanswered = ids.filter((id) => emu.interaction(id)?.acknowledgedAt == null).length;
    send({ type: 'result', label: req.label, latencies, errorsByCode, unanswered, firedOverMs });
  }

  process.on('message', (m: DriverRequest) => {
    if (m.type === 'close') {
      void emu.close().then(() => process.exit(0));
      return;
    }
    void fire(m);
  });
  send({ type: 'ready', apiBase: emu.apiBase, application: emu.application });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench driver failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
