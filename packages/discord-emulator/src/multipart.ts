// A small multipart/form-data parser: Discord clients send `payload_json` plus `files[n]` parts.

export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

export type MultipartResult = { ok: true; parts: MultipartPart[] } | { ok: false; reason: string };

export function boundaryOf(contentType: string): string | null {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  return m ? (m[1] ?? m[2] ?? '').trim() || null : null;
}

function headerParam(header: string, param: string): string | null {
  const quoted = new RegExp(`(?:^|;)\\s*${param}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header);
  if (quoted?.[1] !== undefined) return quoted[1].replace(/\\(.)/g, '$1');
  const bare = new RegExp(`(?:^|;)\\s*${param}=([^;]*)`, 'i').exec(header);
  return bare?.[1] !== undefined ? bare[1].trim() : null;
}

export function parseMultipart(body: Buffer, contentType: string): MultipartResult {
  const boundary = boundaryOf(contentType);
  if (!boundary) return { ok: false, reason: 'missing boundary' };
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) return { ok: false, reason: 'no boundary in body' };
  for (;;) {
    pos += delimiter.length;
    // `--` right after a delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) return { ok: false, reason: 'unterminated part headers' };
    const headerText = body.subarray(pos, headerEnd).toString('utf8');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) return { ok: false, reason: 'unterminated part' };
    const headers = new Map<string, string>();
    for (const line of headerText.split('\r\n')) {
      const idx = line.indexOf(':');
      if (idx > 0) headers.set(line.slice(0, idx).trim().toLowerCase(), line.slice(idx + 1).trim());
    }
    const disposition = headers.get('content-disposition') ?? '';
    const name = headerParam(disposition, 'name');
    if (name === null) return { ok: false, reason: 'part without a name' };
    parts.push({
      name,
      filename: headerParam(disposition, 'filename'),
      contentType: headers.get('content-type') ?? null,
      data: Buffer.from(body.subarray(headerEnd + 4, next)),
    });
    pos = next + 2;
  }
  return { ok: true, parts };
}
