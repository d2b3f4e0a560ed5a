// The SSRF guard: resolves a host once, refuses non-public addresses, and hands back the address to connect to.
import { lookup } from 'node:dns/promises';
import type { AppError } from '../../core/errors.js';
import { toAppError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { permanent, transient } from './errors.js';
import { classifyAddress, normalizeAddress } from './ip.js';
import { bareHostname, checkUrl, isLocalhostName } from './source.js';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Where a checked request may connect: the pinned address, with the name kept for Host/SNI. */
export interface Endpoint {
  readonly hostname: string;
  readonly port: number;
  readonly address: string;
  readonly family: 4 | 6;
}

export interface GuardOptions {
  readonly allowPrivateNetworks: boolean;
  /**
   * Exact `address:port` endpoints allowed even though their address is private (`127.0.0.1:8080`,
   * `[::1]:8080`). Lets a test allow its own server while every other private address stays refused.
   */
  readonly allowedEndpoints?: readonly string[];
  readonly resolver?: Resolver;
}

export const systemResolver: Resolver = async (hostname) => {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

const DNS_NOT_FOUND = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

const endpointKey = (address: string, port: number): string =>
  address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;

const defaultPort = (url: URL): number =>
  url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;

export class SsrfGuard {
  readonly #allowPrivate: boolean;
  readonly #allowed: ReadonlySet<string>;
  readonly #resolver: Resolver;

  constructor(options: GuardOptions) {
    this.#allowPrivate = options.allowPrivateNetworks;
    this.#resolver = options.resolver ?? systemResolver;
    const allowed = new Set<string>();
    for (const e of options.allowedEndpoints ?? []) {
      const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(e);
      const address = m?.[1] === undefined ? null : normalizeAddress(m[1]);
      if (m?.[2] === undefined || address === null)
        throw new RangeError(
          `allowedEndpoints expects "address:port" entries, received ${JSON.stringify(e)}`,
        );
      allowed.add(endpointKey(address, Number(m[2])));
    }
    this.#allowed = allowed;
  }

  /** Syntax checks plus DNS: every address the name resolves to must be acceptable, and the first is pinned. */
  async checkUrl(url: URL): Promise<Result<Endpoint, AppError>> {
    const syntax = checkUrl(url, { allowPrivateNetworks: true });
    if (!syntax.ok) return syntax;
    return this.resolveEndpoint(url.hostname, defaultPort(url));
  }

  async resolveEndpoint(rawHostname: string, port: number): Promise<Result<Endpoint, AppError>> {
    const hostname = bareHostname(rawHostname);
    const literal = normalizeAddress(hostname);
    if (literal === null && isLocalhostName(hostname) && !this.#allowPrivate)
      return err(
        permanent('acquire.private_address', 'Refused a localhost name', { context: { reason: 'loopback' } }),
      );

    let addresses: ResolvedAddress[];
    if (literal !== null) {
      addresses = [{ address: literal, family: literal.includes(':') ? 6 : 4 }];
    } else {
      try {
        addresses = await this.#resolver(hostname);
      } catch (e: unknown) {
        const error = toAppError(e);
        const code = (e as { code?: unknown } | null)?.code;
        if (typeof code === 'string' && DNS_NOT_FOUND.has(code))
          return err(permanent('acquire.dns_not_found', `DNS lookup failed: ${code}`, { cause: error }));
        return err(transient('acquire.dns_failed', `DNS lookup failed: ${error.message}`, { cause: error }));
      }
      if (addresses.length === 0) return err(permanent('acquire.dns_not_found', 'DNS returned no addresses'));
    }

    const checked: ResolvedAddress[] = [];
    for (const a of addresses) {
      const address = normalizeAddress(a.address);
      if (address === null)
        return err(permanent('acquire.private_address', 'Resolver returned a non-address'));
      checked.push({ address, family: address.includes(':') ? 6 : 4 });
      const cls = classifyAddress(address);
      if (cls === null || this.#allowPrivate || this.#allowed.has(endpointKey(address, port))) continue;
      // A name that resolves to one public and one private address is refused: the connection could land on either.
      return err(
        permanent(
          'acquire.private_address',
          `Refused ${hostname}: resolves to a ${cls ?? 'invalid'} address`,
          {
            context: { reason: cls, hostname },
          },
        ),
      );
    }
    const first = checked[0] as ResolvedAddress;
    return ok({ hostname, port, address: first.address, family: first.family });
  }
}
