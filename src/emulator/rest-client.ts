// A minimal raw HTTP client for the emulator's REST routes: tests and demos use it to send exactly what they mean.

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
  let body: string | FormData | undefined;
  if (call.files && call.files.length > 0) {
    const form = new FormData();
    call.files.forEach((f, i) => {
      form.append(
        `files[${i}]`,
        new Blob([f.data], { type: f.contentType ?? 'application/octet-stream' }),
        f.name,
      );
    });
    if (call.body !== undefined) form.append('payload_json', JSON.stringify(call.body));
    body = form;
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
