// Body extraction (charset decoding, HTML/Markdown/subtitle/text parsing) on the content pool, within its deadline.
import { PermanentError, toAppError, type AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { bodyToFields, type BodyFields, type BodyInput } from '../acquire/body.js';
import { formatSeconds, type ContentPool } from './pool.js';

/** Turns a fetched body into content fields somewhere (a pool thread, or inline for scripts and unit tests). */
export type BodyExtractor = (input: BodyInput, signal: AbortSignal) => Promise<Result<BodyFields, AppError>>;

/** Inline extraction: blocks the calling thread, so only for the CLI's own process and tests. */
export const inlineBodyExtractor: BodyExtractor = (input) => Promise.resolve(bodyToFields(input));

export const DEFAULT_EXTRACT_DEADLINE_MS = 60_000;

/** Extraction on the pool: a page that takes longer than `deadlineMs` has its thread stopped and is refused. */
export function pooledBodyExtractor(
  pool: ContentPool,
  deadlineMs = DEFAULT_EXTRACT_DEADLINE_MS,
): BodyExtractor {
  if (!(Number.isFinite(deadlineMs) && deadlineMs > 0))
    throw new RangeError(`pooledBodyExtractor deadlineMs must be positive, received ${String(deadlineMs)}`);
  return async (input, signal) => {
    try {
      const fields = await pool.run(
        { kind: 'body', input },
        {
          deadlineMs,
          signal,
          // A fetched body owns its memory and is not read again: moving it costs nothing, copying 20 MB does.
          ...(ownsBuffer(input.bytes) ? { transfer: [input.bytes.buffer as ArrayBuffer] } : {}),
          onDeadline: (ms) =>
            new PermanentError('acquire.too_complex', `extraction exceeded its ${ms} ms deadline`, {
              context: { deadlineMs: ms, bytes: input.bytes.length, kind: input.kind },
              userMessage: `The ${input.kind === 'html' ? 'page' : 'text'} is too complex to read within ${formatSeconds(ms)}.`,
            }),
        },
      );
      return ok(fields);
    } catch (e: unknown) {
      return err(toAppError(e, 'acquire.extract_failed'));
    }
  };
}

/** Whether the view covers its whole ArrayBuffer (pooled small Buffers share one and must be copied instead). */
const ownsBuffer = (bytes: Uint8Array): boolean =>
  bytes.buffer instanceof ArrayBuffer &&
  bytes.byteOffset === 0 &&
  bytes.byteLength === bytes.buffer.byteLength;
