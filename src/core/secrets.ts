// Seals secrets (interaction tokens, webhook URLs) with AES-256-GCM before they are stored.
import { createCipheriv, createDecipheriv, createHash, randomFillSync } from 'node:crypto';
import { PermanentError } from './errors.js';

const PREFIX = 'v1:';

/** Secrets opened recently, kept so that a delivery opening the same token for every part does it once. */
const OPENED_CACHE_SIZE = 256;

const NONCE_BYTES = 12;
/** Nonces drawn from the system's CSPRNG per call to it: one call per 256 seals instead of one per seal. */
const NONCES_PER_FILL = 256;

export class SecretBox {
  readonly #key: Buffer;
  /**
   * sealed → plain, least recently used first out. A cipher context per open costs tens of microseconds on the loop
   * that answers Discord, and delivery opens the same interaction token and webhook for every part and card edit.
   * The plain values are the ones the process is using anyway.
   */
  readonly #opened = new Map<string, string>();
  /** Random bytes fetched ahead; each nonce is taken once (copied out) and never reused. */
  readonly #nonces = Buffer.alloc(NONCE_BYTES * NONCES_PER_FILL);
  #nonceAt = this.#nonces.length;

  /** `keyMaterial`: any string of at least 32 characters; it is hashed into a 256-bit key. */
  constructor(keyMaterial: string) {
    if (keyMaterial.length < 32)
      throw new RangeError('SecretBox key material must be at least 32 characters');
    this.#key = createHash('sha256').update(keyMaterial).digest();
  }

  #nonce(): Buffer {
    if (this.#nonceAt >= this.#nonces.length) {
      randomFillSync(this.#nonces);
      this.#nonceAt = 0;
    }
    const iv = Buffer.from(this.#nonces.subarray(this.#nonceAt, this.#nonceAt + NONCE_BYTES));
    this.#nonceAt += NONCE_BYTES;
    return iv;
  }

  seal(plain: string): string {
    const iv = this.#nonce();
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  open(sealed: string): string {
    const known = this.#opened.get(sealed);
    if (known !== undefined) {
      this.#opened.delete(sealed);
      this.#opened.set(sealed, known);
      return known;
    }
    const plain = this.#decrypt(sealed);
    this.#opened.set(sealed, plain);
    if (this.#opened.size > OPENED_CACHE_SIZE) {
      const oldest = this.#opened.keys().next().value;
      if (oldest !== undefined) this.#opened.delete(oldest);
    }
    return plain;
  }

  #decrypt(sealed: string): string {
    if (!sealed.startsWith(PREFIX)) throw new PermanentError('secrets.format', 'Not a sealed secret');
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch (e: unknown) {
      throw new PermanentError('secrets.key_mismatch', 'A stored secret could not be opened with this key', {
        cause: e,
        userMessage: 'A stored secret could not be decrypted: was AUTOINTEL_SECRET_KEY changed?',
      });
    }
  }
}
