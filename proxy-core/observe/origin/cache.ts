// A small cache whose entries expire: the lookup's answers per pid (pids are reused, so not
// for long) and per directory. Entries are promises, so concurrent askers share one read.

export class ExpiringCache<K, V> {
  readonly #entries = new Map<K, { value: V; expires: number }>();
  readonly #ttlMs: number;
  readonly #limit: number;

  /** Keeps at most `limit` entries, each for `ttlMs` after it was set. */
  constructor(ttlMs: number, limit: number) {
    this.#ttlMs = ttlMs;
    this.#limit = limit;
  }

  /** The value of `key` if set less than the TTL before `now`. */
  get(key: K, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires > now) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Sets `key`; beyond the limit the entry set longest ago goes. */
  set(key: K, value: V, now: number): V {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expires: now + this.#ttlMs });
    if (this.#entries.size > this.#limit) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    return value;
  }
}
