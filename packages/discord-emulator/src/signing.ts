// Ed25519 signatures over `timestamp + body`, the way Discord signs requests to an interactions endpoint.
import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/** DER prefix of an SPKI-encoded Ed25519 public key; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export class InteractionSigner {
  readonly #privateKey: KeyObject;
  readonly publicKeyHex: string;

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    this.#privateKey = privateKey;
    const der = publicKey.export({ format: 'der', type: 'spki' });
    this.publicKeyHex = der.subarray(ED25519_SPKI_PREFIX.length).toString('hex');
  }

  /** Hex signature; `corrupt` flips bits so the signature is well-formed but wrong, like Discord's probes. */
  sign(timestamp: string, body: string, corrupt = false): string {
    const sig = sign(null, Buffer.from(timestamp + body, 'utf8'), this.#privateKey);
    if (corrupt) {
      sig[0] = (sig[0] ?? 0) ^ 0xff;
      sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 0x01;
    }
    return sig.toString('hex');
  }
}

/** Verifies a signature against a raw hex public key (what a bot does; used by the emulator's own tests). */
export function verifyInteractionSignature(
  publicKeyHex: string,
  signatureHex: string,
  timestamp: string,
  rawBody: Buffer | string,
): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
      format: 'der',
      type: 'spki',
    });
    const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
    return verify(
      null,
      Buffer.concat([Buffer.from(timestamp, 'utf8'), body]),
      key,
      Buffer.from(signatureHex, 'hex'),
    );
  } catch {
    return false;
  }
}
