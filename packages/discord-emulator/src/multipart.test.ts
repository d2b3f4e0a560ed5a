// The multipart parser reads exactly what undici's FormData (used by @discordjs/rest) produces.
import { describe, expect, it } from 'vitest';
import { parseMultipart } from './multipart.js';

async function encode(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const response = new Response(form);
  return {
    body: Buffer.from(await response.arrayBuffer()),
    contentType: response.headers.get('content-type') ?? '',
  };
}

describe('parseMultipart', () => {
  it('returns payload_json and files[n] with names, filenames, content types and exact bytes', async () => {
    const form = new FormData();
    const binary = Buffer.from([0, 13, 10, 45, 45, 255, 13, 10]);
    form.append('files[0]', new Blob([binary], { type: 'application/octet-stream' }), 'odd; "name".bin');
    form.append('files[1]', new Blob(['hello'], { type: 'text/plain' }), 'b.txt');
    form.append('payload_json', JSON.stringify({ content: 'x' }));
    const { body, contentType } = await encode(form);
    const parsed = parseMultipart(body, contentType);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ['files[0]', 'odd; %22name%22.bin', 'application/octet-stream'],
      ['files[1]', 'b.txt', 'text/plain'],
      ['payload_json', null, null],
    ]);
    expect(parsed.parts[0]?.data.equals(binary)).toBe(true);
    expect(JSON.parse(parsed.parts[2]?.data.toString() ?? '')).toEqual({ content: 'x' });
  });

  it('refuses a body without a boundary or with an unterminated part', () => {
    expect(parseMultipart(Buffer.from('x'), 'multipart/form-data').ok).toBe(false);
    const truncated = Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue');
    expect(parseMultipart(truncated, 'multipart/form-data; boundary=b').ok).toBe(false);
  });
});
