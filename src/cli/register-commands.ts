// `autointel register-commands [--guild ID]`: registers the slash commands with one idempotent bulk PUT.
import { SystemClock, type Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { loadConfig, loadDotEnv } from '../config/config.js';
import { COMMANDS } from '../discord/commands.js';
import { discordErrorCode, serverDelayMs } from '../discord-api/errors.js';
import { UndiciTransport, type DiscordTransport } from '../discord-api/transport.js';

export interface RegisterCommandsOptions {
  readonly transport: DiscordTransport;
  readonly applicationId: string;
  /** Guild commands appear at once in that guild; global ones may take a while to propagate. */
  readonly guildId?: string;
  readonly clock: Clock;
  /** Waits between attempts after a 5xx or network failure (a bulk PUT is safe to repeat). */
  readonly retryDelaysMs?: readonly number[];
}

export interface Registered {
  readonly scope: string;
  readonly names: readonly string[];
}

export async function registerCommands(
  options: RegisterCommandsOptions,
): Promise<Result<Registered, AppError>> {
  const { applicationId, guildId } = options;
  const path =
    guildId === undefined
      ? `/applications/${applicationId}/commands`
      : `/applications/${applicationId}/guilds/${guildId}/commands`;
  const delays = options.retryDelaysMs ?? [500, 2_000, 5_000];
  for (let attempt = 0; ; attempt++) {
    const res = await options.transport.send({
      method: 'PUT',
      path,
      body: { kind: 'json', json: COMMANDS as unknown as Record<string, unknown> },
      auth: 'bot',
      timeoutMs: 15_000,
    });
    if (res.kind === 'response' && res.status >= 200 && res.status < 300) {
      const names = Array.isArray(res.body)
        ? res.body.map((c: unknown) => String((c as { name?: unknown }).name))
        : COMMANDS.map((c) => c.name);
      return ok({ scope: guildId === undefined ? 'global' : `guild ${guildId}`, names });
    }
    let wait = delays[attempt];
    if (res.kind === 'response' && res.status === 429 && wait !== undefined) {
      // Capped: a hostile Retry-After must not hang the command for a year.
      wait = Math.max(wait, serverDelayMs(res.body, res.headers, { fallbackMs: wait }));
    }
    const transient = res.kind === 'network_error' || res.status >= 500 || res.status === 429;
    if (!transient || wait === undefined) {
      const detail =
        res.kind === 'network_error'
          ? res.error.message
          : `${res.status} (code ${discordErrorCode(res.body) ?? '-'}): ${JSON.stringify(res.body).slice(0, 500)}`;
      return err(
        new AppError('discord.register_failed', `Registering commands failed: ${detail}`, {
          userMessage: 'Discord refused the command registration.',
        }),
      );
    }
    await options.clock.sleep(wait);
  }
}

function parseArgs(args: readonly string[]): Result<{ guildId?: string }, string> {
  let guildId: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--guild') {
      const v = args[++i];
      if (v === undefined || !/^\d{5,25}$/.test(v)) return err('--guild expects a numeric guild id');
      guildId = v;
    } else if (a?.startsWith('--guild=') === true) {
      const v = a.slice('--guild='.length);
      if (!/^\d{5,25}$/.test(v)) return err('--guild expects a numeric guild id');
      guildId = v;
    } else return err(`unknown argument '${a ?? ''}'`);
  }
  return ok(guildId === undefined ? {} : { guildId });
}

export async function run(args: readonly string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (!parsed.ok) {
    process.stderr.write(
      `register-commands: ${parsed.error}\nusage: autointel register-commands [--guild ID]\n`,
    );
    return 2;
  }
  loadDotEnv();
  const config = loadConfig();
  if (config.discordToken === undefined || config.applicationId === undefined) {
    process.stderr.write('register-commands: DISCORD_TOKEN and DISCORD_APPLICATION_ID must be set\n');
    return 2;
  }
  const transport = new UndiciTransport({ apiBase: config.discordApiBase, botToken: config.discordToken });
  try {
    const out = await registerCommands({
      transport,
      applicationId: config.applicationId,
      clock: new SystemClock(),
      ...(parsed.value.guildId === undefined ? {} : { guildId: parsed.value.guildId }),
    });
    if (!out.ok) {
      process.stderr.write(`register-commands: ${out.error.message}\n`);
      return 1;
    }
    process.stdout.write(
      `Registered ${out.value.names.length} commands (${out.value.scope}): ${out.value.names.map((n) => `/${n}`).join(', ')}\n`,
    );
    return 0;
  } finally {
    await transport.close();
  }
}
