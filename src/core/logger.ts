// Structured logging (pino) that never writes a token or webhook secret.
import { pino, type Logger, type DestinationStream } from 'pino';
import { redactSecrets } from './redact.js';

export type { Logger } from 'pino';

const REDACT_PATHS = [
  'token',
  '*.token',
  'botToken',
  '*.botToken',
  'webhook',
  '*.webhook',
  'webhookUrl',
  '*.webhookUrl',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'secretKey',
  '*.secretKey',
  'config.discordToken',
  'config.discordWebhook',
  'config.secretKey',
  'apiKey',
  '*.apiKey',
  'factCheckApiKey',
  'config.factCheckApiKey',
  'headers["x-goog-api-key"]',
  '*.headers["x-goog-api-key"]',
];

export interface LoggerOptions {
  readonly level?: string;
  readonly name?: string;
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'autointel',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: {
        log(object) {
          // Secrets embedded in free text (an error message quoting a URL) are scrubbed too.
          const out: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(object)) out[k] = typeof v === 'string' ? redactSecrets(v) : v;
          return out;
        },
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a: unknown) => (typeof a === 'string' ? redactSecrets(a) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (e: unknown) => {
          const s = pino.stdSerializers.err(e as Error);
          return {
            ...s,
            message: redactSecrets(s.message),
            stack: s.stack ? redactSecrets(s.stack) : s.stack,
          };
        },
      },
    },
    options.destination,
  );
}

/**
 * Writes a line that another thread's logger produced (already redacted there) to this logger's destination, as it
 * is: one log stream per process whichever thread wrote the line.
 */
export function writeLogLine(logger: Logger, line: string): void {
  const stream = (logger as unknown as Record<symbol, DestinationStream | undefined>)[pino.symbols.streamSym];
  stream?.write(line);
}
