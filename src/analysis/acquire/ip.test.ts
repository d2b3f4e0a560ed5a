import { describe, expect, it } from 'vitest';
import { classifyAddress, normalizeAddress, parseV4Loose, parseV6 } from './ip.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'this-network'],
    ['0.1.2.3', 'this-network'],
    ['255.255.255.255', 'broadcast'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.2.1', 'documentation'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'ipv4-mapped'],
    ['::ffff:7f00:1', 'ipv4-mapped'],
    ['::ffff:8.8.8.8', 'ipv4-mapped'],
    ['::127.0.0.1', 'ipv4-compatible'],
    ['64:ff9b::10.0.0.1', 'embedded-private'],
    ['64:ff9b::a9fe:a9fe', 'embedded-private'],
    ['64:ff9b:1::1', 'embedded-private'],
    ['2002:7f00:0001::1', 'embedded-private'],
    ['2002:c0a8:0101::1', 'embedded-private'],
    // Teredo with client 127.0.0.1 stored inverted (0x80ffff fe).
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'embedded-private'],
    ['2001:db8::1', 'documentation'],
    ['fec0::1', 'site-local'],
    ['100::1', 'reserved'],
    ['3fff:ffff::1', null],
    ['4000::1', 'not-global-unicast'],
    ['[::1]', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
  ] as const)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '93.184.216.34',
    '2606:4700::1111',
    '64:ff9b::8.8.8.8',
    '2002:0808:0808::1',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });

  it('returns undefined for host names, so callers know DNS is needed', () => {
    expect(classifyAddress('example.com')).toBeUndefined();
    expect(classifyAddress('1.2.3.4.example')).toBeUndefined();
  });

  it.each([
    ['2130706433', 'loopback'],
    ['0x7f.1', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['012.0.0.1', 'private'],
    ['0xa9.0xfe.0xa9.0xfe', 'link-local'],
  ] as const)('the inet_aton form %s is recognised as %s', (text, expected) => {
    expect(classifyAddress(text)).toBe(expected);
  });
});

describe('parsers', () => {
  it('parseV4Loose rejects out-of-range parts', () => {
    expect(parseV4Loose('256.0.0.1')).toBeNull();
    expect(parseV4Loose('1.2.3.4.5')).toBeNull();
    expect(parseV4Loose('1.2.65536')).toBeNull();
    expect(parseV4Loose('4294967296')).toBeNull();
    expect(parseV4Loose('09.1.1.1')).toBeNull();
  });

  it('parseV6 expands :: and embedded IPv4', () => {
    expect(Array.from(parseV6('::ffff:1.2.3.4') ?? [])).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4,
    ]);
    expect(parseV6('1::2::3')).toBeNull();
    expect(parseV6('example.com')).toBeNull();
  });

  it('normalizeAddress canonicalises literals so allow-lists compare equal', () => {
    expect(normalizeAddress('0x7f.1')).toBe('127.0.0.1');
    expect(normalizeAddress('[0:0:0:0:0:0:0:1]')).toBe('::1');
    expect(normalizeAddress('FE80:0::1')).toBe('fe80::1');
    expect(normalizeAddress('example.com')).toBeNull();
  });
});
