// The key that seals secrets: AUTOINTEL_SECRET_KEY when configured, else one generated once into the data dir (0600).
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '../core/errors.js';

export const SECRET_KEY_FILE = 'secret.key';

/**
 * Returns the configured key, or the one stored in `<dataDir>/secret.key`, creating it (64 hex chars, mode 0600,
 * exclusive create so two processes starting together agree on one key) when absent.
 */
export function loadOrCreateSecretKey(dataDir: string, configured?: string): string {
  if (configured !== undefined && configured !== '') {
    if (configured.length < 32)
      throw new PermanentError(
        'config.secret_key_short',
        'AUTOINTEL_SECRET_KEY must be at least 32 characters',
      );
    return configured;
  }
  const path = join(dataDir, SECRET_KEY_FILE);
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // Tighten a key file someone loosened; the key must not be readable by other users.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = readFileSync(path, 'utf8').trim();
  if (key.length < 32)
    throw new PermanentError(
      'config.secret_key_file',
      `The key file in the data directory is damaged (${SECRET_KEY_FILE})`,
    );
  return key;
}
