// Posts a message to a channel with the bot token: the last-resort route when an interaction token cannot be used.
import { AppError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { toWireBody, type DiscordMessage } from './message.js';
import { discordErrorCode, type DiscordTransport } from './transport.js';

export interface ChannelSenderOptions {
  /** A transport configured with the bot token. */
  readonly transport: DiscordTransport;
  readonly timeoutMs?: number;
}

export class ChannelSender {
  readonly #transport: DiscordTransport;
  readonly #timeoutMs: number;

  constructor(options: ChannelSenderOptions) {
    this.#transport = options.transport;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** One attempt; the caller owns retries (a POST that timed out may have been applied). */
  async send(
    channelId: string,
    msg: DiscordMessage,
  ): Promise<Result<{ readonly messageId: string }, AppError>> {
    if (!/^\d{1,25}$/.test(channelId)) {
      return err(new AppError('discord.bad_channel', `Not a channel id: ${channelId.slice(0, 30)}`));
    }
    // Channel messages have no ephemeral flag; a private message must never reach this route (callers decide).
    const { flags: _flags, ...publicMsg } = msg;
    const res = await this.#transport.send({
      method: 'POST',
      path: `/channels/${channelId}/messages`,
      body: toWireBody(publicMsg),
      auth: 'bot',
      timeoutMs: this.#timeoutMs,
    });
    if (res.kind === 'network_error') return err(res.error);
    if (res.status >= 200 && res.status < 300) {
      const id = (res.body as { id?: unknown } | null)?.id;
      return ok({ messageId: typeof id === 'string' ? id : '' });
    }
    const code = discordErrorCode(res.body);
    return err(
      new AppError(
        'discord.channel_send_failed',
        `Channel message refused: ${res.status} code ${code ?? '-'}`,
        {
          retryable: res.status >= 500 || res.status === 429,
          context: { status: res.status, code },
        },
      ),
    );
  }
}
