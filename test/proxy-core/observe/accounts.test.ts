// The per-account limits book (issue 15): windows as last reported, one history point per five
// minutes over a day, the oldest account evicted at the cap, and resets applied at snapshot time.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AccountLimitsBook,
  HISTORY_SPAN_MS,
  HISTORY_STEP_MS,
  MAX_ACCOUNTS,
  asOf,
} from '../../../proxy-core/observe/accounts.js';
import type { LimitsReading } from '../../../shared/limits.js';

const T0 = Math.floor(1_800_000_000_000 / HISTORY_STEP_MS) * HISTORY_STEP_MS;

function reading(used: number, resetsAt: number | null = null): LimitsReading {
  return {
    provider: 'anthropic-subscription',
    windows: [
      {
        id: '5h',
        usedFraction: used,
        limit: null,
        remaining: null,
        resetsAt,
        windowMinutes: 300,
        status: 'allowed',
      },
    ],
    retryAfterMs: null,
    binding: '5h',
    plan: null,
  };
}

test('history: the last reading of each five minutes, over the last day', () => {
  const book = new AccountLimitsBook();
  book.seen('h', 'f', reading(0.1), 200, T0);
  book.seen('h', 'f', reading(0.2), 200, T0 + 60_000);
  book.seen('h', 'f', reading(0.3), 200, T0 + HISTORY_STEP_MS + 1);
  assert.deepEqual(book.snapshot(T0 + HISTORY_STEP_MS + 2)[0]?.history['5h'], [
    [T0 + 60_000, 0.2],
    [T0 + HISTORY_STEP_MS + 1, 0.3],
  ]);
  book.seen('h', 'f', reading(0.4), 200, T0 + HISTORY_SPAN_MS + 2 * HISTORY_STEP_MS);
  assert.deepEqual(book.snapshot(T0 + HISTORY_SPAN_MS + 2 * HISTORY_STEP_MS)[0]?.history['5h'], [
    [T0 + HISTORY_SPAN_MS + 2 * HISTORY_STEP_MS, 0.4],
  ]);
});

test('the account seen longest ago goes when the cap is reached', () => {
  const book = new AccountLimitsBook();
  for (let i = 0; i <= MAX_ACCOUNTS; i++) book.seen('h', `key-${i}`, reading(0.1), 200, T0 + i);
  const snapshot = book.snapshot(T0 + MAX_ACCOUNTS);
  assert.equal(snapshot.length, MAX_ACCOUNTS);
  assert.equal(
    snapshot.some((account) => account.fingerprint === 'key-0'),
    false,
  );
  assert.equal(snapshot[0]?.fingerprint, `key-${MAX_ACCOUNTS}`);
});

test('a window past its reset reads as empty and allowed; one before it is unchanged', () => {
  const [read] = reading(0.97, T0 + 1_000).windows;
  assert.ok(read !== undefined);
  const window = { ...read, status: 'rejected' as const, seenAt: T0 };
  assert.equal(asOf(window, T0), window);
  assert.deepEqual(asOf(window, T0 + 1_000), {
    ...window,
    usedFraction: 0,
    remaining: null,
    resetsAt: null,
    status: 'allowed',
  });
});

test('a 429 counts for its account and keeps the retry-after', () => {
  const book = new AccountLimitsBook();
  book.seen('h', 'f', { ...reading(1.01), retryAfterMs: 17_000 }, 429, T0);
  book.seen('h', 'f', reading(0.5), 200, T0 + 1);
  const [account] = book.snapshot(T0 + 2);
  assert.equal(account?.rateLimited, 1);
  assert.equal(account.retryAfterMs, 17_000);
});
