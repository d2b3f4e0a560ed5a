// Typed application errors: a stable code, a message safe to show a user, context for logs, and a cause.
import { redactSecrets } from './redact.js';

export interface AppErrorOptions {
  /** Shown to the user as is: never put a URL with a token, a path or a stack in it. */
  readonly userMessage?: string;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
  /** Whether trying again later may succeed. */
  readonly retryable?: boolean;
  readonly retryAfterMs?: number;
}

export class AppError extends Error {
  readonly code: string;
  readonly userMessage: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = `AppError[${code}]`;
    this.code = code;
    this.userMessage = options.userMessage ?? 'Something went wrong while processing the request.';
    this.context = options.context ?? {};
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** A plain, serialisable view for storage and logs (no stack, no cause chain). */
  toJSON(): { code: string; message: string; userMessage: string; retryable: boolean } {
    return {
      code: this.code,
      message: this.message,
      userMessage: this.userMessage,
      retryable: this.retryable,
    };
  }
}

/** A failure that will not go away by trying again (bad input, unsupported content). */
export class PermanentError extends AppError {
  constructor(code: string, message: string, options: Omit<AppErrorOptions, 'retryable'> = {}) {
    super(code, message, { ...options, retryable: false });
    this.name = `PermanentError[${code}]`;
  }
}

/** A transient failure: try again, no sooner than `retryAfterMs` when given. */
export class RetryLaterError extends AppError {
  constructor(code: string, message: string, options: Omit<AppErrorOptions, 'retryable'> = {}) {
    super(code, message, { ...options, retryable: true });
    this.name = `RetryLaterError[${code}]`;
  }
}

/** Every `catch (e: unknown)` goes through here. Unknown errors are treated as transient. */
export function toAppError(e: unknown, fallbackCode = 'internal.unexpected'): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof Error && e.name === 'AbortError') {
    return new PermanentError('workflow.aborted', 'The operation was aborted.', {
      userMessage: 'The operation was cancelled.',
      cause: e,
    });
  }
  const message = e instanceof Error ? e.message : String(e);
  return new AppError(fallbackCode, message, { cause: e, retryable: true });
}
