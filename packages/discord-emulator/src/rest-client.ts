// A minimal raw HTTP client for the emulator's REST routes: tests and demos use it to send exactly what they mean.
import { randomBytes } from 'node:crypto';

export interface RawCall {
  method: string;
  /** Path after the API base, e.g. `/channels/123/messages?limit=5`. */
  path: string;
  body?: unknown;
  /** Bot token sent as `Authorization: Bot <token>`. */
  botToken?: string;
  files?: { name: string; data: Buffer; contentType?: string }[];
  headers?: Record<string, string>;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function callApi(apiBase: string, call: RawCall): Promise<RawResponse> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.botToken !== undefined) headers['Authorization'] = `Bot ${call.botToken}`;
  let body: string | Buffer | undefined;
  if (call.files && call.files.length > 0) {
    // Encoded by hand: undici's FormData is slow for multi-megabyte parts, and the bytes are the same.
    const boundary = `----emulator${randomBytes(12).toString('hex')}`;
    const parts: Buffer[] = [];
    const part = (headers: string, data: Buffer): void => {
      parts.push(Buffer.from(`--${boundary}\r\n${headers}\r\n\r\n`), data, Buffer.from('\r\n'));
    };
    call.files.forEach((f, i) => {
      const name = f.name.replace(/"/g, '%22');
      part(
        `Content-Disposition: form-data; name="files[${i}]"; filename="${name}"\r\nContent-Type: ${f.contentType ?? 'application/octet-stream'}`,
        f.data,
      );
    });
    if (call.body !== undefined) {
      part('Content-Disposition: form-data; name="payload_json"', Buffer.from(JSON.stringify(call.body)));
    }
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    body = Buffer.concat(parts);
    headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
  } else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${apiBase}/v10${call.path}`, {
    method: call.method,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  let parsed: unknown = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
