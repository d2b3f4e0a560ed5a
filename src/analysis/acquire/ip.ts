// IP address parsing and classification: decides whether an address is publicly routable or must be refused.
import { isIP } from 'node:net';

/** Why an address is not public; `null` from `classifyAddress` means publicly routable. */
export type AddressClass =
  | 'unspecified'
  | 'this-network'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link-local'
  | 'unique-local'
  | 'site-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'protocol-assignment'
  | 'ipv4-mapped'
  | 'ipv4-compatible'
  | 'embedded-private'
  | 'not-global-unicast';

interface V4Range {
  readonly base: number;
  readonly bits: number;
  readonly cls: AddressClass;
}

const v4 = (a: number, b: number, c: number, d: number): number =>
  ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

// IANA IPv4 special-purpose registry entries that are not globally reachable, plus multicast and reserved space.
const V4_RANGES: readonly V4Range[] = [
  { base: v4(0, 0, 0, 0), bits: 8, cls: 'this-network' },
  { base: v4(10, 0, 0, 0), bits: 8, cls: 'private' },
  { base: v4(100, 64, 0, 0), bits: 10, cls: 'cgnat' },
  { base: v4(127, 0, 0, 0), bits: 8, cls: 'loopback' },
  { base: v4(169, 254, 0, 0), bits: 16, cls: 'link-local' },
  { base: v4(172, 16, 0, 0), bits: 12, cls: 'private' },
  { base: v4(192, 0, 0, 0), bits: 24, cls: 'protocol-assignment' },
  { base: v4(192, 0, 2, 0), bits: 24, cls: 'documentation' },
  { base: v4(192, 88, 99, 0), bits: 24, cls: 'reserved' },
  { base: v4(192, 168, 0, 0), bits: 16, cls: 'private' },
  { base: v4(198, 18, 0, 0), bits: 15, cls: 'benchmarking' },
  { base: v4(198, 51, 100, 0), bits: 24, cls: 'documentation' },
  { base: v4(203, 0, 113, 0), bits: 24, cls: 'documentation' },
  { base: v4(224, 0, 0, 0), bits: 4, cls: 'multicast' },
  { base: v4(255, 255, 255, 255), bits: 32, cls: 'broadcast' },
  { base: v4(240, 0, 0, 0), bits: 4, cls: 'reserved' },
];

const inRange = (addr: number, base: number, bits: number): boolean => {
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (~0 << (32 - bits)) >>> 0;
  return (addr & mask) >>> 0 === (base & mask) >>> 0;
};

/** Classifies a 32-bit IPv4 address. */
export function classifyV4(addr: number): AddressClass | null {
  for (const r of V4_RANGES) if (inRange(addr, r.base, r.bits)) return r.cls;
  return null;
}

/** Strict dotted-quad parse (what DNS and the URL parser hand us). */
export function parseV4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    // Leading zeros are octal to inet_aton: leave those to the loose parser.
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    n = n * 256 + v;
  }
  return n >>> 0;
}

/**
 * The forms `inet_aton` accepts (decimal `2130706433`, hex `0x7f.1`, octal `0177.0.0.1`, short `127.1`).
 * The WHATWG URL parser normalises these already; this exists so hostnames that reach a resolver unnormalised
 * are still recognised as literals.
 */
export function parseV4Loose(text: string): number | null {
  const parts = text.split('.');
  if (parts.length < 1 || parts.length > 4) return null;
  const nums: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0x[0-9a-f]*$/i.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]+$/.test(p)) v = parseInt(p, 8);
    else if (/^(0|[1-9]\d*)$/.test(p)) v = Number(p);
    else return null;
    if (!Number.isFinite(v)) return null;
    nums.push(v);
  }
  const last = nums.pop() as number;
  for (const n of nums) if (n > 255) return null;
  const lastBits = 8 * (4 - nums.length);
  if (last >= 2 ** lastBits) return null;
  let out = 0;
  nums.forEach((n, i) => (out += n * 2 ** (8 * (3 - i))));
  return (out + last) >>> 0;
}

/** Parses an IPv6 literal (optionally bracketed, with an optional zone) into 16 bytes. */
export function parseV6(text: string): Uint8Array | null {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (isIP(s) !== 6) return null;
  let tailV4: number[] = [];
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const n = parseV4(tail);
    if (n === null) return null;
    tailV4 = [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const missing = 8 - headGroups.length - restGroups.length;
  if (rest === undefined && missing !== 0) return null;
  const groups = [...headGroups, ...Array<string>(rest === undefined ? 0 : missing).fill('0'), ...restGroups];
  if (groups.length !== 8) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    bytes[i * 2] = (v >> 8) & 0xff;
    bytes[i * 2 + 1] = v & 0xff;
  });
  if (tailV4.length === 4) bytes.set(tailV4, 12);
  return bytes;
}

const v4At = (b: Uint8Array, offset: number): number =>
  (((b[offset] ?? 0) << 24) |
    ((b[offset + 1] ?? 0) << 16) |
    ((b[offset + 2] ?? 0) << 8) |
    (b[offset + 3] ?? 0)) >>>
  0;

const startsWith = (b: Uint8Array, prefix: readonly number[], bits: number): boolean => {
  for (let i = 0; i < bits; i++) {
    const byte = Math.floor(i / 8);
    const mask = 0x80 >> (i % 8);
    if (((b[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
};

/** Classifies a 16-byte IPv6 address, looking inside the forms that embed an IPv4 address. */
export function classifyV6(b: Uint8Array): AddressClass | null {
  const allZero = (from: number, to: number): boolean => b.slice(from, to).every((x) => x === 0);
  if (allZero(0, 16)) return 'unspecified';
  if (allZero(0, 15) && b[15] === 1) return 'loopback';
  // ::ffff:a.b.c.d — a v6 socket connecting here reaches the v4 host: refuse outright, DNS never needs it.
  if (allZero(0, 10) && b[10] === 0xff && b[11] === 0xff) return 'ipv4-mapped';
  // ::a.b.c.d (deprecated IPv4-compatible) and ::ffff:0:a.b.c.d (SIIT translated).
  if (allZero(0, 12)) return 'ipv4-compatible';
  if (allZero(0, 8) && b[8] === 0xff && b[9] === 0xff && allZero(10, 12)) return 'ipv4-mapped';
  // NAT64 well-known prefix 64:ff9b::/96: fine only when the embedded v4 is public.
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96))
    return classifyV4(v4At(b, 12)) === null ? null : 'embedded-private';
  // Local-use NAT64 64:ff9b:1::/48 translates into private networks by definition.
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) return 'embedded-private';
  if (startsWith(b, [0xfe, 0x80], 10)) return 'link-local';
  if (startsWith(b, [0xfe, 0xc0], 10)) return 'site-local';
  if (startsWith(b, [0xfc], 7)) return 'unique-local';
  if (startsWith(b, [0xff], 8)) return 'multicast';
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'documentation';
  if (startsWith(b, [0x01, 0x00, 0, 0, 0, 0, 0, 0], 64)) return 'reserved';
  // 6to4 2002::/16 embeds a v4 address in bits 16..48.
  if (startsWith(b, [0x20, 0x02], 16)) return classifyV4(v4At(b, 2)) === null ? null : 'embedded-private';
  // Teredo 2001::/32: server v4 in bits 32..64, client v4 obfuscated (inverted) in the last 32 bits.
  if (startsWith(b, [0x20, 0x01, 0x00, 0x00], 32)) {
    const server = v4At(b, 4);
    const client = ~v4At(b, 12) >>> 0;
    return classifyV4(server) === null && classifyV4(client) === null ? null : 'embedded-private';
  }
  if (startsWith(b, [0x20, 0x01, 0x00], 23)) return 'protocol-assignment';
  // Only 2000::/3 is global unicast today.
  if (!startsWith(b, [0x20], 3)) return 'not-global-unicast';
  return null;
}

/** Classifies any textual IP address; returns `undefined` when the text is not an IP literal at all. */
export function classifyAddress(text: string): AddressClass | null | undefined {
  const strict = parseV4(text);
  if (strict !== null) return classifyV4(strict);
  const v6 = parseV6(text);
  if (v6 !== null) return classifyV6(v6);
  const loose = parseV4Loose(text);
  if (loose !== null) return classifyV4(loose);
  return undefined;
}

/** Normalises an IP literal for comparison (v4 dotted quad, v6 lower-case compressed as Node prints it). */
export function normalizeAddress(text: string): string | null {
  const s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const n = parseV4(s) ?? parseV4Loose(s);
  if (n !== null) return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
  const b = parseV6(s);
  if (b === null) return null;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
