import { describe, expect, it } from 'vitest';
import { checkSourceSyntax } from './source.js';

const code = (source: string, allowLocalFiles = false, allowPrivateNetworks = false): string => {
  const r = checkSourceSyntax(source, { allowLocalFiles, allowPrivateNetworks });
  return r.ok ? `${r.value.kind}:${r.value.normalized}` : r.error.code;
};

describe('checkSourceSyntax', () => {
  it('accepts http(s) URLs and normalises them', () => {
    expect(code(' https://Example.com/a b ')).toBe('url:https://example.com/a%20b');
    expect(code('http://example.com:8081/x?y=1#z')).toBe('url:http://example.com:8081/x?y=1#z');
  });

  it('adds https:// to a bare host name a user pasted', () => {
    expect(code('example.com/article')).toBe('url:https://example.com/article');
    expect(code('www.example.co.uk:8443/x')).toBe('url:https://www.example.co.uk:8443/x');
  });

  it('refuses what is obviously private without any I/O', () => {
    expect(code('http://127.0.0.1/')).toBe('acquire.private_address');
    expect(code('http://0x7f.1/')).toBe('acquire.private_address');
    expect(code('http://[::ffff:10.0.0.1]/')).toBe('acquire.private_address');
    expect(code('http://localhost:3000/')).toBe('acquire.private_address');
  });

  it('lets private literals through only when private networks are allowed', () => {
    expect(code('http://127.0.0.1:8080/', false, true)).toBe('url:http://127.0.0.1:8080/');
  });

  it('refuses other schemes, credentials, overlong and garbage input', () => {
    expect(code('ftp://example.com/')).toBe('acquire.bad_scheme');
    expect(code('JavaScript:alert(1)')).toBe('acquire.bad_scheme');
    expect(code('https://u:p@example.com/')).toBe('acquire.credentials_in_url');
    expect(code(`https://example.com/${'x'.repeat(3000)}`)).toBe('acquire.url_too_long');
    expect(code('')).toBe('acquire.invalid_url');
    expect(code('not a link')).toBe('acquire.local_files_disabled');
    expect(code('https://exa mple.com/')).toBe('acquire.invalid_url');
  });

  it('treats non-URLs as local files only when local files are allowed', () => {
    expect(code('/tmp/article.html')).toBe('acquire.local_files_disabled');
    expect(code('/tmp/article.html', true)).toBe('file:/tmp/article.html');
    expect(code('file:///etc/passwd', true)).toBe('acquire.bad_scheme');
  });
});
