import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** An encrypted value as stored: AES-256-GCM with a fresh IV per value. */
export interface SealedSecret {
  v: 1;
  /** The id of the key that sealed it; values sealed before keys could rotate have none. */
  kid?: string;
  iv: string;
  tag: string;
  data: string;
}

interface NamedKey {
  id: string;
  key: Buffer;
}

/** A short public name of a key: the start of its SHA-256, which tells nothing of the key itself. */
function named(key: Buffer): NamedKey {
  if (key.length !== 32) throw new Error('SecretBox needs 32-byte keys');
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 16), key };
}

/**
 * Encrypts secrets at rest. The current key seals; the previous keys (an encryption key
 * rotation) still open what they sealed, until `omnigate secrets reseal` has sealed it anew.
 */
export class SecretBox {
  private readonly current: NamedKey;
  private readonly keys: NamedKey[];

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    this.current = named(current);
    this.keys = [this.current, ...previous.map(named)];
  }

  seal(plain: unknown): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(plain), 'utf8'), cipher.final()]);
    return { v: 1, kid: this.current.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open<T>(sealed: SealedSecret): T {
    if (sealed.kid !== undefined) {
      const sealer = this.keys.find((k) => k.id === sealed.kid);
      if (!sealer) throw new Error(`the secret was sealed with key ${sealed.kid}, which is not configured (OMNIGATE_PREVIOUS_ENCRYPTION_KEYS)`);
      return decrypt<T>(sealer.key, sealed);
    }
    // An unnamed value: GCM's tag refuses every key but the one that sealed it.
    for (const { key } of this.keys) {
      try {
        return decrypt<T>(key, sealed);
      } catch {
        // not this key
      }
    }
    throw new Error('the secret opens with none of the configured keys (OMNIGATE_ENCRYPTION_KEY, OMNIGATE_PREVIOUS_ENCRYPTION_KEYS)');
  }

  isSealedWithCurrentKey(sealed: SealedSecret): boolean {
    return sealed.kid === this.current.id;
  }

  /** The same value sealed with the current key. */
  reseal(sealed: SealedSecret): SealedSecret {
    return this.seal(this.open(sealed));
  }
}

function decrypt<T>(key: Buffer, sealed: SealedSecret): T {
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
  const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as T;
}
