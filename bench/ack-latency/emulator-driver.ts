// Child process of the ack-latency bench: runs the Discord emulator away from the bot's loaded event loop, fires
// slash commands at a fixed rate when asked, and reports each interaction's acknowledgement latency from its timeline.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
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
      /** When given, interaction i carries `urls[i % length]` as its `url` option (distinct links per request). */
      readonly urls?: readonly string[];
    }
  /** Switches the emulator to HTTP-endpoint mode at `url` (Discord's PING validation included), or back to gateway. */
  | { readonly type: 'endpoint'; readonly url: string | null }
  | { readonly type: 'close' };

export type DriverMessage =
  | {
      readonly type: 'ready';
      readonly apiBase: string;
      readonly application: { readonly id: string; readonly botToken: string; readonly publicKeyHex: string };
    }
  | { readonly type: 'endpoint-set'; readonly url: string | null }
  | {
      readonly type: 'result';
      readonly label: string;
      /** Sent → initial response received, per acknowledged interaction (fractional ms, high-resolution clock). */
      readonly latencies: number[];
      /**
       * Gateway mode, per acknowledgement: its request's arrival → the emulator had handled it (whole ms). Part of the
       * latency: the emulator reads the body and serves the requests queued ahead of it first.
       */
      readonly handling: number[];
      readonly errorsByCode: Record<string, number>;
      /** Interactions that never got an accepted initial response. */
      readonly unanswered: number;
      readonly firedOverMs: number;
      /**
       * This emulator's own event-loop delay while the burst was answered (p99 and max, ms): the bot's follow-up
       * requests (edits, report uploads) are served by the same loop that times the acknowledgements.
       */
      readonly emulatorLoopP99Ms: number;
      readonly emulatorLoopMaxMs: number;
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
  let httpMode = false;

  async function fire(req: Extract<DriverRequest, { type: 'fire' }>): Promise<void> {
    emu.clearTimeline();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const ids: string[] = [];
    const start = performance.now();
    const interval = 1000 / req.perSecond;
    // Fire on schedule: each tick sends every interaction that is due, so a late tick does not lower the rate.
    // In HTTP mode a fire resolves with the bot's HTTP answer: those are not awaited one by one, or a slow answer
    // would lower the rate (the latency is read from the timeline either way).
    const inFlight: Promise<unknown>[] = [];
    let fired = 0;
    while (fired < req.count) {
      const due = Math.min(req.count, Math.floor((performance.now() - start) / interval) + 1);
      while (fired < due) {
        fired++;
        const url = req.urls?.[(fired - 1) % req.urls.length];
        const options = req.options.map((o) =>
          o.name === 'url' && url !== undefined ? { ...o, value: url } : o,
        );
        const sending = emu
          .fireSlashCommand({ guildId, channelId, userId, name: req.name, options })
          .then((r) => ids.push(r.interactionId));
        if (httpMode) inFlight.push(sending.catch(() => undefined));
        else await sending;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await Promise.all(inFlight);
    const firedOverMs = performance.now() - start;
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline && ids.some((id) => emu.interaction(id)?.acknowledgedAt == null)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    loop.disable();
    // Let the bots' follow-up requests (edits) drain so they do not spill into the next phase.
    await new Promise((r) => setTimeout(r, 1_000));
    const wanted = new Set(ids);
    const latencies: number[] = [];
    const handling: number[] = [];
    const errorsByCode: Record<string, number> = {};
    for (const e of emu.timeline()) {
      if (e.direction === 'inbound' && e.status >= 400) {
        const key = String(e.code ?? e.status);
        errorsByCode[key] = (errorsByCode[key] ?? 0) + 1;
      }
      // Gateway mode: the callback the bot POSTed; HTTP mode: the inline answer to the emulator's POST.
      const acknowledging = e.route === CALLBACK_ROUTE || e.direction === 'outbound';
      if (acknowledging && e.interactionId !== undefined && wanted.has(e.interactionId)) {
        const latency = e.ackLatencyPreciseMs ?? e.ackLatencyMs;
        if (latency !== undefined) latencies.push(latency);
        if (e.direction === 'inbound') handling.push(e.answeredAt - e.receivedAt);
      }
    }
    const unanswered = ids.filter((id) => emu.interaction(id)?.acknowledgedAt == null).length;
    send({
      type: 'result',
      label: req.label,
      latencies,
      handling,
      errorsByCode,
      unanswered,
      firedOverMs,
      emulatorLoopP99Ms: loop.percentile(99) / 1e6,
      emulatorLoopMaxMs: loop.max / 1e6,
    });
  }

  process.on('message', (m: DriverRequest) => {
    if (m.type === 'endpoint') {
      emu.setInteractionsEndpoint(m.url).then(
        () => {
          httpMode = m.url !== null;
          send({ type: 'endpoint-set', url: m.url });
        },
        (e: unknown) => {
          process.stderr.write(`bench driver: endpoint refused: ${String(e)}\n`);
          process.exit(1);
        },
      );
      return;
    }
    if (m.type === 'close') {
      void emu.close().then(() => process.exit(0));
      return;
    }
    void fire(m);
  });
  send({
    type: 'ready',
    apiBase: emu.apiBase,
    application: {
      id: emu.application.id,
      botToken: emu.application.botToken,
      publicKeyHex: emu.application.publicKeyHex,
    },
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench driver failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
