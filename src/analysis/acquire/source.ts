// Cheap, synchronous checks on what the user gave (scheme, syntax, obviously private hosts) before any I/O.
import { resolve as resolvePath } from 'node:path';
import type { AppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { permanent } from './errors.js';
import { classifyAddress } from './ip.js';

/** Longer links are refused: real article links are far shorter, and long ones are a log and DoS vector. */
export const MAX_URL_LENGTH = 2048;

export interface SourceSyntaxOptions {
  readonly allowLocalFiles: boolean;
  /** When true, private/loopback literals pass this check (tests and local demos only). */
  readonly allowPrivateNetworks?: boolean;
}

export interface CheckedSource {
  readonly kind: 'url' | 'file';
  readonly normalized: string;
}

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;
// A bare host name such as `example.com/path` that a user pasted without a scheme.
const BARE_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,5})?(?:[/?#]\S*)?$/i;
const WINDOWS_DRIVE = /^[a-z]:[\\/]/i;

/** True for `localhost`, `*.localhost` (RFC 6761: always loopback) with or without a trailing dot. */
export function isLocalhostName(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

/** Strips the brackets the URL parser keeps around IPv6 literals. */
export const bareHostname = (hostname: string): string =>
  hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;

/**
 * Checks a parsed URL for what can be decided without DNS: scheme, credentials, length, literal private hosts.
 * Used for the first URL and again for every redirect target.
 */
export function checkUrl(url: URL, options: { allowPrivateNetworks: boolean }): Result<URL, AppError> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return err(
      permanent('acquire.bad_scheme', `Refused scheme ${url.protocol}`, {
        context: { scheme: url.protocol },
      }),
    );
  if (url.username !== '' || url.password !== '')
    return err(permanent('acquire.credentials_in_url', 'Refused a URL with credentials'));
  if (url.href.length > MAX_URL_LENGTH)
    return err(permanent('acquire.url_too_long', `URL is ${url.href.length} characters`));
  if (url.hostname === '') return err(permanent('acquire.invalid_url', 'URL has no host'));
  if (!options.allowPrivateNetworks) {
    const host = bareHostname(url.hostname);
    if (isLocalhostName(host))
      return err(
        permanent('acquire.private_address', 'Refused a localhost name', { context: { reason: 'loopback' } }),
      );
    const cls = classifyAddress(host);
    if (cls !== undefined && cls !== null)
      return err(
        permanent('acquire.private_address', `Refused a ${cls} address literal`, {
          context: { reason: cls },
        }),
      );
  }
  return ok(url);
}

/** Pure and synchronous: decides whether `source` is worth starting a workflow for. */
export function checkSourceSyntax(
  source: string,
  opts: SourceSyntaxOptions,
): Result<CheckedSource, AppError> {
  const text = source.trim();
  if (text === '') return err(permanent('acquire.invalid_url', 'Empty source'));
  if (text.length > MAX_URL_LENGTH)
    return err(permanent('acquire.url_too_long', `Source is ${text.length} characters`));
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes/refuses
  if (/[\u0000-\u001f\u007f]/.test(text))
    return err(permanent('acquire.invalid_url', 'Source contains control characters'));

  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && !(WINDOWS_DRIVE.test(text) && opts.allowLocalFiles)) {
    // `example.com:8080/x` parses as scheme `example.com`; treat it as a bare host instead.
    if (!(scheme.includes('.') && BARE_HOST.test(text))) {
      if (scheme !== 'http' && scheme !== 'https')
        return err(permanent('acquire.bad_scheme', `Refused scheme ${scheme}:`, { context: { scheme } }));
      return parseAndCheck(text, opts);
    }
  }
  if (opts.allowLocalFiles) return ok({ kind: 'file', normalized: resolvePath(text) });
  if (BARE_HOST.test(text)) return parseAndCheck(`https://${text}`, opts);
  return err(
    permanent('acquire.local_files_disabled', 'Not a URL and local files are disabled', {
      userMessage: 'Give a full http(s) link, e.g. https://example.com/article.',
    }),
  );
}

function parseAndCheck(text: string, opts: SourceSyntaxOptions): Result<CheckedSource, AppError> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err(permanent('acquire.invalid_url', 'Unparseable URL'));
  }
  const checked = checkUrl(url, { allowPrivateNetworks: opts.allowPrivateNetworks ?? false });
  if (!checked.ok) return checked;
  return ok({ kind: 'url', normalized: url.href });
}
