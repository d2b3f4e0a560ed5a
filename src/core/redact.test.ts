import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact.js';
import { AppError } from './errors.js';

const WEBHOOK =
  'https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdefghijkl';

describe('redactSecrets', () => {
  it('removes the token part of a webhook URL but keeps its id', () => {
    const out = redactSecrets(`POST ${WEBHOOK}?wait=true failed`);
    expect(out).toContain('/webhooks/123456789012345678/[redacted]');
    expect(out).not.toContain('AbCdEfGhIjKlMnOp');
  });

  it('removes bot tokens and Authorization values', () => {
    const token = 'MTA5ODc2NTQzMjEwOTg3NjU0MzIx.GhIjKl.AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    expect(redactSecrets(`token=${token}`)).not.toContain(token);
    expect(redactSecrets(`Authorization: Bot ${token}`)).not.toContain(token);
  });

  it('removes passwords from URLs and connection strings, keeping the rest readable', () => {
    expect(redactSecrets('connect postgres://bot:s3cr%40t@db.internal:5432/prod failed')).toBe(
      'connect postgres://bot:[redacted]@db.internal:5432/prod failed',
    );
    expect(redactSecrets('redis://:hunter2@cache:6379')).toBe('redis://:[redacted]@cache:6379');
    expect(redactSecrets('host=db password=hunter2 user=bot')).toBe('host=db password=[redacted] user=bot');
    expect(redactSecrets("PASSWORD='a b c';x=1")).toBe('PASSWORD=[redacted];x=1');
    expect(redactSecrets('https://example.com/a@b and user@example.com')).toBe(
      'https://example.com/a@b and user@example.com',
    );
  });

  it('is applied to AppError messages', () => {
    const e = new AppError('delivery.failed', `could not reach ${WEBHOOK}`);
    expect(e.message).not.toContain('AbCdEfGhIjKlMnOp');
  });
});
