// The key that seals secrets: AUTOINTEL_SECRET_KEY, or a key file (AUTOINTEL_SECRET_KEY_FILE, for secret managers),
// else one generated once into the data dir. Every failure names the file and what to do about it.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '../core/errors.js';

export const SECRET_KEY_FILE = 'secret.key';
const MIN_KEY_LENGTH = 32;

export interface SecretKeySource {
  /** `AUTOINTEL_DATA_DIR`: where a generated key is kept (`secret.key`, 0600; the directory created 0700). */
  readonly dataDir: string;
  /** `AUTOINTEL_SECRET_KEY`. */
  readonly key?: string | undefined;
  /** `AUTOINTEL_SECRET_KEY_FILE`: a file holding the key; refused when every user may read it. */
  readonly keyFile?: string | undefined;
}

const errnoOf = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  return err.code ?? (e instanceof Error ? e.message : String(e));
};

/**
 * Returns the key to seal secrets with: the configured one, the one in the key file, or the one stored in
 * `<dataDir>/secret.key`, created (64 hex chars, mode 0600, exclusive create so two processes starting together
 * agree on one key) when absent. Throws a PermanentError saying which file failed and how to fix it.
 */
export function loadOrCreateSecretKey(source: SecretKeySource): string {
  const configured = source.key === '' ? undefined : source.key;
  const keyFile = source.keyFile === '' ? undefined : source.keyFile;
  if (configured !== undefined && keyFile !== undefined) {
    throw new PermanentError(
      'config.secret_key_twice',
      'Both AUTOINTEL_SECRET_KEY and AUTOINTEL_SECRET_KEY_FILE are set: set only one of them',
    );
  }
  if (configured !== undefined) {
    if (configured.length < MIN_KEY_LENGTH)
      throw new PermanentError(
        'config.secret_key_short',
        `AUTOINTEL_SECRET_KEY must be at least ${MIN_KEY_LENGTH} characters`,
      );
    return configured;
  }
  if (keyFile !== undefined) return readKeyFile(keyFile);
  return generatedKey(source.dataDir);
}

function readKeyFile(path: string): string {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e: unknown) {
    throw new PermanentError(
      'config.secret_key_file_unreadable',
      `AUTOINTEL_SECRET_KEY_FILE ${path} cannot be read (${errnoOf(e)}): check the path and that the service user may read it`,
    );
  }
  // Group access is how secret managers share a mount with a service; "every user" is never acceptable.
  if ((mode & 0o007) !== 0) {
    throw new PermanentError(
      'config.secret_key_file_exposed',
      `AUTOINTEL_SECRET_KEY_FILE ${path} is readable by every user (mode ${(mode & 0o777).toString(8)}): ` +
        `restrict it (chmod 600 ${path}, or 640 with the service user's group) and start again`,
    );
  }
  let key: string;
  try {
    key = readFileSync(path, 'utf8').trim();
  } catch (e: unknown) {
    throw new PermanentError(
      'config.secret_key_file_unreadable',
      `AUTOINTEL_SECRET_KEY_FILE ${path} cannot be read (${errnoOf(e)}): check the path and that the service user may read it`,
    );
  }
  if (key.length < MIN_KEY_LENGTH) {
    throw new PermanentError(
      'config.secret_key_short',
      `The key in AUTOINTEL_SECRET_KEY_FILE ${path} must be at least ${MIN_KEY_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`,
    );
  }
  return key;
}

function generatedKey(dataDir: string): string {
  const path = join(dataDir, SECRET_KEY_FILE);
  const cannotWrite = (e: unknown): PermanentError =>
    new PermanentError(
      'config.secret_key_unwritable',
      `Cannot create the secret key file ${path} (${errnoOf(e)}): give the service user write access to ` +
        'AUTOINTEL_DATA_DIR, or set AUTOINTEL_SECRET_KEY or AUTOINTEL_SECRET_KEY_FILE',
    );
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (e: unknown) {
    throw cannotWrite(e);
  }
  try {
    writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e: unknown) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw cannotWrite(e);
  }
  let key: string;
  try {
    // Tighten a key file someone loosened; the key must not be readable by other users.
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    key = readFileSync(path, 'utf8').trim();
  } catch (e: unknown) {
    throw new PermanentError(
      'config.secret_key_file_unreadable',
      `The secret key file ${path} cannot be read (${errnoOf(e)}): check its owner and permissions, ` +
        'or set AUTOINTEL_SECRET_KEY or AUTOINTEL_SECRET_KEY_FILE',
    );
  }
  if (key.length < MIN_KEY_LENGTH)
    throw new PermanentError(
      'config.secret_key_file',
      `The secret key file ${path} is damaged (shorter than ${MIN_KEY_LENGTH} characters): restore it from a ` +
        'backup; without it, sealed tokens and webhooks in the database cannot be opened',
    );
  return key;
}
