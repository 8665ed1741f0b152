// Proxy credentials: Basic `Proxy-Authorization` (RFC 9110 §11.7.1, RFC 7617) checked against
// the config's clear-text pair (auth.username/password) and its hashed users (auth.users), and
// answered with the user it names.
//
//   header ─▶ SHA-256 ─▶ verified before? ─▶ its user, at once          (every request after the
//                │                                                        first: one hash, one
//                ├─▶ refused before? ─▶ 407 at once                       map lookup)
//                ├─▶ the clear-text pair? ─▶ its user (constant-time compare)
//                └─▶ a scrypt token left? ─▶ verify in the thread pool (a user's hash, or a decoy
//                          │                   for a name that is none) ─▶ user or 407, cached
//                          └─▶ none ─▶ 407 at once
//
// The caches are keyed by a digest of the whole header value, so a lookup compares digests of a
// guess, never a guess with a secret: what its timing could tell is about a SHA-256, which says
// nothing of the right value. Neither cache keeps a password.

import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { Auth } from '../config/config.js';
import { decoyHash, parsePasswordHash, verifyPassword, type PasswordHash } from './password.js';

/** The challenge sent with 407 (RFC 9110 §11.7.1). */
export const PROXY_AUTHENTICATE = 'Basic realm="memex"';

/**
 * The user a Proxy-Authorization value names, or null (refused); a promise of either while its
 * first scrypt verify runs. Built once per `auth` (server.ts keeps it across reloads).
 */
export type CredentialCheck = (
  header: string | string[] | undefined,
) => string | null | Promise<string | null>;

/** Bounds on the cost of checking credentials. */
export interface CheckLimits {
  /** Verified (and, apart, refused) header values remembered; the oldest is forgotten first. */
  readonly cacheSize: number;
  /** scrypt verifies that may run back to back, and how many more each second allows. */
  readonly burst: number;
  readonly perSecond: number;
  /** A monotonic clock in ms. */
  readonly now: () => number;
}

// 256 distinct credentials is more users than a team gateway has. Each verify takes ~50 ms of a
// thread-pool thread and 16 MiB: 16 at once, then 2 a second, bounds what guessing costs (and
// what it learns: two guesses a second).
const LIMITS: CheckLimits = {
  cacheSize: 256,
  burst: 16,
  perSecond: 2,
  now: () => performance.now(),
};

/** Builds the check for `auth`. */
export function createCredentialCheck(auth: Auth, limits: CheckLimits = LIMITS): CredentialCheck {
  const pair =
    auth.username !== undefined && auth.password !== undefined
      ? { user: auth.username, digest: sha256(`${auth.username}:${auth.password}`) }
      : null;
  const users = new Map<string, PasswordHash>();
  for (const [name, text] of Object.entries(auth.users ?? {})) {
    const parsed = parsePasswordHash(text);
    // The config was checked: a hash that does not parse cannot get here; it admits no one.
    if (!('problem' in parsed)) users.set(name, parsed);
  }
  const decoy = decoyHash();
  const verified = new FifoCache<string>(limits.cacheSize);
  const refused = new FifoCache<true>(limits.cacheSize);
  // One verify per distinct value: the requests that bring it meanwhile wait on the same one.
  const pending = new Map<string, Promise<string | null>>();
  const bucket = new TokenBucket(limits.burst, limits.perSecond, limits.now);

  const verify = (key: string, name: string, password: string): Promise<string | null> => {
    const user = users.get(name);
    const verdict = verifyPassword(password, user ?? decoy).then((ok) => {
      pending.delete(key);
      if (ok && user !== undefined) {
        verified.set(key, name);
        return name;
      }
      refused.set(key, true);
      return null;
    });
    pending.set(key, verdict);
    return verdict;
  };

  return (header) => {
    if (typeof header !== 'string') return null;
    const key = hash('sha256', header, 'base64');
    const known = verified.get(key);
    if (known !== undefined) return known;
    if (refused.get(key) !== undefined) return null;
    const waiting = pending.get(key);
    if (waiting !== undefined) return waiting;
    const given = decodeBasic(header);
    if (given === null) return null;
    if (pair !== null && timingSafeEqual(sha256(given), pair.digest)) {
      verified.set(key, pair.user);
      return pair.user;
    }
    const colon = given.indexOf(':');
    if (users.size === 0 || colon === -1 || !bucket.take()) return null;
    return verify(key, given.slice(0, colon), given.slice(colon + 1));
  };
}

/** The `user:password` of a Basic credential, or null for any other scheme or form. */
export function decodeBasic(header: string): string | null {
  const match = /^basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header);
  return match?.[1] === undefined ? null : Buffer.from(match[1], 'base64').toString('utf8');
}

/** Tokens for a cost, refilled at a steady rate up to a burst: `take` says whether one was left. */
export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(burst: number, perSecond: number, now: () => number) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#now = now;
    this.#tokens = burst;
    this.#at = now();
  }

  take(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}

// At most `limit` entries; past it the oldest goes. A hit does not refresh an entry: what was
// verified once stays cheap until `limit` newer values have been verified.
class FifoCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  set(key: string, value: V): void {
    if (this.#entries.size >= this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, value);
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
