// Proxy users' password hashes (config auth.users): scrypt from node:crypto (RFC 7914), written
// `scrypt$N=16384,r=8,p=1$<salt base64>$<key base64>`; made by `memex-proxy hash-password`,
// parsed when a config is checked, verified off the event loop (crypto.scrypt runs in libuv's
// thread pool).

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** A parsed hash: scrypt's cost parameters, the salt, and the derived key to compare with. */
export interface PasswordHash {
  /** CPU/memory cost, a power of 2. */
  readonly N: number;
  /** Block size. */
  readonly r: number;
  /** Parallelisation. */
  readonly p: number;
  readonly salt: Buffer;
  readonly key: Buffer;
}

// Node's scrypt defaults (N=2^14, r=8, p=1: 16 MiB and some 50 ms per hash), 16 bytes of salt,
// a 32-byte key.
const DEFAULTS = { N: 16_384, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
// scrypt needs about 128·N·r bytes: a hash that asks for more than this (OWASP's N=2^17, r=8) is
// refused when the config is checked, so a config cannot make each verify allocate gigabytes.
const MAX_MEMORY = 128 * 1024 * 1024;

const FORMAT =
  /^scrypt\$N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

/** What a hash looks like, for messages. */
export const HASH_SHAPE = 'scrypt$N=16384,r=8,p=1$<salt base64>$<key base64>';

/** Hashes `password` with a fresh random salt; resolves with the hash's text. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, { ...DEFAULTS, salt, key: Buffer.alloc(KEY_BYTES) });
  return toHashText({ ...DEFAULTS, salt, key });
}

/** The text of a hash, as config files hold it. */
export function toHashText(hash: PasswordHash): string {
  return (
    `scrypt$N=${hash.N},r=${hash.r},p=${hash.p}$` +
    `${hash.salt.toString('base64')}$${hash.key.toString('base64')}`
  );
}

/** Parses a hash's text; a problem (for a config message, never echoing the text) otherwise. */
export function parsePasswordHash(text: string): PasswordHash | { readonly problem: string } {
  const match = FORMAT.exec(text);
  if (match === null) {
    return { problem: `expected ${HASH_SHAPE} (memex-proxy hash-password prints one)` };
  }
  const [, n = '', r = '', p = '', salt = '', key = ''] = match;
  const hash: PasswordHash = {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, 'base64'),
    key: Buffer.from(key, 'base64'),
  };
  if (hash.N < 2 || (hash.N & (hash.N - 1)) !== 0) return { problem: 'N must be a power of 2' };
  if (hash.r < 1 || hash.r > 32) return { problem: 'r must be from 1 to 32' };
  // Each unit of p is another full pass: the cost of every verify, not a safety margin.
  if (hash.p < 1 || hash.p > 16) return { problem: 'p must be from 1 to 16' };
  if (128 * hash.N * hash.r > MAX_MEMORY) {
    return { problem: `N and r ask for more than ${MAX_MEMORY / 1024 / 1024} MiB per verify` };
  }
  if (hash.salt.length < 8) return { problem: 'the salt is shorter than 8 bytes' };
  if (hash.key.length < 16) return { problem: 'the key is shorter than 16 bytes' };
  return hash;
}

/** True when `password` derives `hash`'s key; compared in constant time. Never rejects. */
export async function verifyPassword(password: string, hash: PasswordHash): Promise<boolean> {
  try {
    const derived = await derive(password, hash);
    return timingSafeEqual(derived, hash.key);
  } catch {
    return false;
  }
}

/**
 * A hash no password derives (a random key), for names that are no user: verifying against it
 * costs what a real user's verify costs, so the time of a 407 does not say whether the name exists.
 */
export function decoyHash(): PasswordHash {
  return { ...DEFAULTS, salt: randomBytes(SALT_BYTES), key: randomBytes(KEY_BYTES) };
}

function derive(password: string, hash: PasswordHash): Promise<Buffer> {
  const options: ScryptOptions = {
    N: hash.N,
    r: hash.r,
    p: hash.p,
    maxmem: memoryOf(hash) + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), hash.salt, hash.key.length, options, (err, key) => {
      if (err === null) resolve(key);
      else reject(err);
    });
  });
}

// OpenSSL's own count: V is 128·r·(N+2) bytes, B is 128·r·p.
function memoryOf(hash: Pick<PasswordHash, 'N' | 'r' | 'p'>): number {
  return 128 * hash.r * (hash.N + 2 + hash.p);
}
