import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  const secretUrl = 'https://discord.com/api/webhooks/123456789012345678/SECRETtokenSECRETtokenSECRETtoken';

  it('never writes a webhook token, whether in a field, a message or an error', () => {
    const { lines, stream } = capture();
    const log = createLogger({ destination: stream, level: 'info' });
    log.info({ webhookUrl: secretUrl, token: 'abc' }, 'configured');
    log.info(`posting to ${secretUrl}`);
    log.error({ err: new Error(`failed ${secretUrl}`), detail: `at ${secretUrl}` }, 'delivery failed');
    const all = lines.join('\n');
    expect(lines).toHaveLength(3);
    expect(all).not.toContain('SECRETtoken');
    expect(all).toContain('[redacted]');
  });
});
