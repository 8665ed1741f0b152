// The latest limits of every provider account memex has seen: one entry per upstream host and
// credential fingerprint (two keys, or a key and a subscription, stay apart), each window as last
// reported, a window refused by a 429 held as rejected until its reset, and a window whose reset
// has passed shown as reset rather than as stale usage.

import type { LimitProvider, LimitsReading } from '../../shared/limits.js';
import type { AccountLimits, SeenWindow } from '../../shared/snapshot.js';

/** Accounts kept at once; a flood of made-up keys cannot grow memory. */
export const MAX_ACCOUNTS = 32;

/** A window's history keeps one point per this span (the last reading in it)... */
export const HISTORY_STEP_MS = 5 * 60_000;
/** ...over this long. */
export const HISTORY_SPAN_MS = 24 * 3_600_000;
const MAX_WINDOWS_PER_ACCOUNT = 16;

interface Account {
  provider: LimitProvider;
  readonly host: string;
  readonly fingerprint: string;
  readonly windows: Map<string, SeenWindow>;
  readonly history: Map<string, [number, number][]>;
  binding: string | null;
  plan: string | null;
  retryAfterMs: number | null;
  rateLimited: number;
  seenAt: number;
}

export class AccountLimitsBook {
  readonly #accounts = new Map<string, Account>();

  /** A response head's reading for the account (`host`, `fingerprint`), answered `status`. */
  seen(
    host: string,
    fingerprint: string,
    reading: LimitsReading,
    status: number,
    now: number,
  ): void {
    const key = `${host}\n${fingerprint}`;
    let account = this.#accounts.get(key);
    if (account === undefined) {
      if (this.#accounts.size >= MAX_ACCOUNTS) this.#evictOldest();
      account = {
        provider: reading.provider,
        host,
        fingerprint,
        windows: new Map(),
        history: new Map(),
        binding: null,
        plan: null,
        retryAfterMs: null,
        rateLimited: 0,
        seenAt: now,
      };
      this.#accounts.set(key, account);
    }
    account.provider = reading.provider;
    account.seenAt = now;
    account.binding = reading.binding ?? account.binding;
    account.plan = reading.plan ?? account.plan;
    if (reading.retryAfterMs !== null) account.retryAfterMs = reading.retryAfterMs;
    if (status === 429) account.rateLimited++;
    for (const window of reading.windows) {
      if (!account.windows.has(window.id) && account.windows.size >= MAX_WINDOWS_PER_ACCOUNT) {
        continue;
      }
      account.windows.set(window.id, { ...window, seenAt: now });
      if (window.usedFraction !== null)
        record(account.history, window.id, now, window.usedFraction);
    }
  }

  /** Every account at `now`, most recently seen first. */
  snapshot(now: number): AccountLimits[] {
    const out: AccountLimits[] = [];
    for (const account of this.#accounts.values()) {
      out.push({
        provider: account.provider,
        host: account.host,
        fingerprint: account.fingerprint,
        windows: [...account.windows.values()].map((window) => asOf(window, now)),
        history: Object.fromEntries(
          [...account.history].map(([id, points]) => [
            id,
            points
              .filter(([time]) => time > now - HISTORY_SPAN_MS)
              .map(([time, used]) => [time, used] as const),
          ]),
        ),
        binding: account.binding,
        plan: account.plan,
        retryAfterMs: account.retryAfterMs,
        rateLimited: account.rateLimited,
        seenAt: account.seenAt,
      });
    }
    return out.sort((a, b) => b.seenAt - a.seenAt);
  }

  #evictOldest(): void {
    let oldest: string | undefined;
    let oldestAt = Infinity;
    for (const [key, account] of this.#accounts) {
      if (account.seenAt < oldestAt) {
        oldestAt = account.seenAt;
        oldest = key;
      }
    }
    if (oldest !== undefined) this.#accounts.delete(oldest);
  }
}

// The last reading of each HISTORY_STEP_MS replaces the earlier ones of that step.
function record(
  history: Map<string, [number, number][]>,
  id: string,
  now: number,
  used: number,
): void {
  let points = history.get(id);
  if (points === undefined) {
    points = [];
    history.set(id, points);
  }
  const last = points[points.length - 1];
  if (
    last !== undefined &&
    Math.floor(last[0] / HISTORY_STEP_MS) === Math.floor(now / HISTORY_STEP_MS)
  ) {
    last[0] = now;
    last[1] = used;
  } else points.push([now, used]);
  const horizon = now - HISTORY_SPAN_MS;
  while ((points[0]?.[0] ?? now) <= horizon) points.shift();
}

/** A window as it stands at `now`: past its reset, it is empty again (and no longer refused). */
export function asOf(window: SeenWindow, now: number): SeenWindow {
  if (window.resetsAt === null || window.resetsAt > now) return window;
  return {
    ...window,
    usedFraction: window.usedFraction === null ? null : 0,
    remaining: window.limit,
    resetsAt: null,
    status: window.status === 'unknown' ? 'unknown' : 'allowed',
  };
}
