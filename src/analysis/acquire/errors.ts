// The typed failures of acquisition: one stable code each, with a message a Discord user may see.
import { PermanentError, RetryLaterError, type AppError } from '../../core/errors.js';

export const ACQUIRE_ERROR_CODES = [
  'acquire.invalid_url',
  'acquire.bad_scheme',
  'acquire.url_too_long',
  'acquire.credentials_in_url',
  'acquire.private_address',
  'acquire.dns_not_found',
  'acquire.dns_failed',
  'acquire.network',
  'acquire.timeout',
  'acquire.too_large',
  'acquire.too_many_redirects',
  'acquire.bad_redirect',
  'acquire.http_status',
  'acquire.unsupported_content',
  'acquire.undecodable',
  'acquire.empty',
  'acquire.local_files_disabled',
  'acquire.file_not_found',
  'acquire.ytdlp_missing',
  'acquire.ytdlp_failed',
  'acquire.ffmpeg_missing',
  'acquire.pdf_failed',
  'acquire.no_text_layer',
  'acquire.live_stream',
  'acquire.media_too_long',
  'acquire.feed_invalid',
  'acquire.episode_not_found',
] as const;

export type AcquireErrorCode = (typeof ACQUIRE_ERROR_CODES)[number];

const USER_MESSAGES: Record<AcquireErrorCode, string> = {
  'acquire.invalid_url': 'That does not look like a valid http(s) link.',
  'acquire.bad_scheme': 'Only http:// and https:// links can be analysed.',
  'acquire.url_too_long': 'That link is too long.',
  'acquire.credentials_in_url': 'Links with a user name or password in them are not accepted.',
  'acquire.private_address': 'That link points to a private or local network address, which is not allowed.',
  'acquire.dns_not_found': 'The host name of that link could not be found.',
  'acquire.dns_failed': 'The host name of that link could not be resolved right now.',
  'acquire.network': 'The site could not be reached.',
  'acquire.timeout': 'The site took too long to answer.',
  'acquire.too_large': 'The content is larger than the configured size limit.',
  'acquire.too_many_redirects': 'The link redirects too many times.',
  'acquire.bad_redirect': 'The link redirects to an address that cannot be followed.',
  'acquire.http_status': 'The site answered with an error.',
  'acquire.unsupported_content':
    'That kind of content cannot be analysed (only web pages, text, PDFs, subtitles, podcast feeds and media).',
  'acquire.undecodable': 'The text of that page could not be decoded.',
  'acquire.empty': 'No readable text was found at that link.',
  'acquire.local_files_disabled': 'Local files cannot be analysed from here; give an http(s) link.',
  'acquire.file_not_found': 'That file could not be read.',
  'acquire.ytdlp_missing':
    'Media links need yt-dlp, which is not installed: install it (`apt-get install yt-dlp`, or set YTDLP_PATH to a current yt-dlp build; the Debian build is too old for YouTube).',
  'acquire.ytdlp_failed': 'The media at that link could not be read.',
  'acquire.ffmpeg_missing':
    'Media files need ffmpeg, which is not installed: install it (`apt-get install ffmpeg`) or set FFMPEG_PATH.',
  'acquire.pdf_failed': 'The PDF could not be read.',
  'acquire.no_text_layer':
    'The PDF has no text layer (it is probably scanned images) and no text recognition (OCR) is available.',
  'acquire.live_stream': 'Live streams cannot be analysed; try again once the recording is published.',
  'acquire.media_too_long': 'The media is longer than the configured duration limit.',
  'acquire.feed_invalid': 'That feed could not be read as RSS or Atom.',
  'acquire.episode_not_found': 'No episode in that feed matches the one asked for.',
};

export interface AcquireErrorOptions {
  readonly userMessage?: string;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
  readonly retryAfterMs?: number;
}

/** A refusal or failure that retrying will not fix. */
export function permanent(
  code: AcquireErrorCode,
  message: string,
  options: AcquireErrorOptions = {},
): AppError {
  return new PermanentError(code, message, {
    ...options,
    userMessage: options.userMessage ?? USER_MESSAGES[code],
  });
}

/** A failure that may go away (network trouble, 5xx, rate limits). */
export function transient(
  code: AcquireErrorCode,
  message: string,
  options: AcquireErrorOptions = {},
): AppError {
  return new RetryLaterError(code, message, {
    ...options,
    userMessage: options.userMessage ?? USER_MESSAGES[code],
  });
}
