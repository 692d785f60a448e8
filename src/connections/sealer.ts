import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../config/runtime.js';
import { createExclusive, ensurePrivateFile } from './secure-file.js';

/**
 * Encrypts secrets at rest with AES-256-GCM. The key lives apart from the data: either a key file
 * of its own (32 random bytes, 0600), or a passphrase in SEGMENT_ROUTER_KEY stretched with scrypt
 * (then nothing on disk can decrypt the store by itself). Each sealed value is bound to the name
 * it is stored under, so a value copied to another connection does not decrypt.
 */

export interface SealedBox {
  alg: 'A256GCM';
  /** Where the key came from: the key file, or SEGMENT_ROUTER_KEY through scrypt (with its salt). */
  kdf: 'keyfile' | 'scrypt';
  salt?: string;
  iv: string;
  tag: string;
  data: string;
}

/** The key is missing, damaged or different from the one that sealed the data. Never a data problem. */
export class KeyError extends Error {
  override name = 'KeyError';
}

const KEY_BYTES = 32;
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
export const MIN_PASSPHRASE = 16;

export class Sealer {
  private fileKey?: Buffer;
  private readonly derived = new Map<string, Buffer>();

  constructor(
    /** The key file's path (used when no passphrase is given). */
    readonly keyFile: string,
    private readonly passphrase?: string,
  ) {
    if (passphrase !== undefined && passphrase.length < MIN_PASSPHRASE) {
      throw new ConfigError(`SEGMENT_ROUTER_KEY must be at least ${MIN_PASSPHRASE} characters.`);
    }
  }

  /** Where new data is keyed from, for status and docs. */
  get keySource(): 'SEGMENT_ROUTER_KEY' | 'key file' {
    return this.passphrase ? 'SEGMENT_ROUTER_KEY' : 'key file';
  }

  /** True when sealing now would create a new key file (none is there, and no passphrase is set). */
  get wouldCreateKey(): boolean {
    return !this.passphrase && !this.fileKey && !existsSync(this.keyFile);
  }

  seal(plain: string, aad: string): SealedBox {
    const iv = randomBytes(12);
    let key: Buffer;
    let salt: string | undefined;
    if (this.passphrase) {
      salt = randomBytes(16).toString('base64');
      key = this.derive(salt);
    } else {
      key = this.loadFileKey(true);
    }
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(aad));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { alg: 'A256GCM', kdf: salt ? 'scrypt' : 'keyfile', ...(salt ? { salt } : {}), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  open(box: SealedBox, aad: string): string {
    let key: Buffer;
    if (box.kdf === 'scrypt') {
      if (!this.passphrase) throw new KeyError('These secrets were encrypted with SEGMENT_ROUTER_KEY, which is not set in this environment.');
      key = this.derive(box.salt ?? '');
    } else {
      key = this.loadFileKey(false);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(box.iv, 'base64'));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(box.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new KeyError(
        box.kdf === 'scrypt'
          ? 'These secrets do not decrypt with the current SEGMENT_ROUTER_KEY (it changed since they were stored).'
          : `These secrets do not decrypt with the key file ${this.keyFile} (it was replaced since they were stored).`,
      );
    }
  }

  private derive(salt: string): Buffer {
    let key = this.derived.get(salt);
    if (!key) {
      key = scryptSync(this.passphrase!, Buffer.from(salt, 'base64'), KEY_BYTES, SCRYPT);
      this.derived.set(salt, key);
    }
    return key;
  }

  /** Reads the key file, creating it on first write. A damaged key file is reported, never replaced. */
  private loadFileKey(create: boolean): Buffer {
    if (this.fileKey) return this.fileKey;
    if (!existsSync(this.keyFile)) {
      if (!create) throw new KeyError(`The key file ${this.keyFile} is missing, so the stored secrets cannot be decrypted.`);
      // Exclusive create: if another process made one first, use theirs.
      createExclusive(this.keyFile, randomBytes(KEY_BYTES).toString('base64') + '\n');
    }
    ensurePrivateFile(this.keyFile);
    const key = keyOf(readFileSync(this.keyFile, 'utf8'));
    if (!key) throw new KeyError(keyFileDamaged(this.keyFile));
    this.fileKey = key;
    return key;
  }
}

/** The key a key file's text holds, or undefined when it holds none (`KEY_BYTES` bytes, base64). */
function keyOf(text: string): Buffer | undefined {
  const key = Buffer.from(text.trim(), 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

export const keyFileDamaged = (path: string) => `The key file ${path} is damaged (expected ${KEY_BYTES} bytes, base64). It was left as it is.`;

/** Whether the key file at `path` holds a key (doctor reads it without using it). */
export function keyFileHoldsKey(path: string): boolean {
  return keyOf(readFileSync(path, 'utf8')) !== undefined;
}
