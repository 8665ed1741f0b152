// How limits are worded (issue 15): the binding window first, subscriptions as used and API keys
// as left, a refused window as reached, and the worst state for the tray icon.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LimitWindow } from '../../shared/limits.js';
import { accountLine, limitsAlert, orderedWindows, windowLabel } from '../../shared/limits-text.js';
import type { AccountLimits } from '../../shared/snapshot.js';

const RESET = Date.UTC(2026, 11, 3, 14, 5);
const clock = (time: number): string => new Date(time).toISOString().slice(11, 16);

function window(
  id: string,
  overrides: Partial<LimitWindow> = {},
): LimitWindow & { seenAt: number } {
  return {
    id,
    usedFraction: null,
    limit: null,
    remaining: null,
    resetsAt: null,
    windowMinutes: null,
    status: 'allowed',
    seenAt: 0,
    ...overrides,
  };
}

function account(
  provider: AccountLimits['provider'],
  windows: AccountLimits['windows'],
  binding: string | null = null,
): AccountLimits {
  return {
    provider,
    host: 'api.example',
    fingerprint: 'f',
    windows,
    history: {},
    binding,
    plan: null,
    retryAfterMs: null,
    rateLimited: 0,
    seenAt: 0,
  };
}

test('a Claude subscription: the binding window first with its reset, then the others', () => {
  const claude = account(
    'anthropic-subscription',
    [
      window('7d', { usedFraction: 0.18 }),
      window('5h', { usedFraction: 0.42, resetsAt: RESET }),
      window('7d-sonnet', { usedFraction: 0.02 }),
    ],
    '5h',
  );
  assert.equal(accountLine(claude, clock), 'Claude: 5h 42% · resets 14:05 · 7d 18% · 7d Sonnet 2%');
});

test('Codex windows are named by their length; without a binding the fullest leads', () => {
  const codex = account('codex', [
    window('primary', { usedFraction: 0.12, windowMinutes: 300 }),
    window('secondary', { usedFraction: 0.4, windowMinutes: 10080 }),
  ]);
  assert.equal(accountLine(codex, clock), 'Codex: 7d 40% · 5h 12%');
});

test('API-key limits read as what is left of the tightest window', () => {
  const openai = account('openai', [
    window('requests', { usedFraction: 0.01 }),
    window('tokens', { usedFraction: 0.08, resetsAt: RESET }),
  ]);
  assert.equal(accountLine(openai, clock), 'OpenAI: 92% of tokens left · resets 14:05');
});

test('a refused window says so, before any fuller one', () => {
  const claude = account('anthropic-subscription', [
    window('7d', { usedFraction: 0.99 }),
    window('5h', { usedFraction: 1.02, status: 'rejected', resetsAt: RESET }),
  ]);
  assert.equal(orderedWindows(claude)[0]?.id, '5h');
  assert.equal(accountLine(claude, clock), 'Claude: 5h limit reached · resets 14:05');
});

test('window labels', () => {
  assert.equal(windowLabel({ id: 'overage', windowMinutes: null }), 'extra usage');
  assert.equal(windowLabel({ id: 'input-tokens', windowMinutes: null }), 'input tokens');
  assert.equal(windowLabel({ id: 'primary', windowMinutes: 90 }), '90m');
  assert.equal(windowLabel({ id: 'secondary', windowMinutes: null }), 'secondary');
});

test('the tray alert: rejected beats warning, 90 % is a warning, below is nothing', () => {
  const at = (fraction: number, status: LimitWindow['status'] = 'allowed') =>
    account('codex', [window('primary', { usedFraction: fraction, status })]);
  assert.equal(limitsAlert([]), null);
  assert.equal(limitsAlert([at(0.89)]), null);
  assert.equal(limitsAlert([at(0.9)]), 'warning');
  assert.equal(limitsAlert([at(0.5, 'warning')]), 'warning');
  assert.equal(limitsAlert([at(0.95), at(1, 'rejected')]), 'rejected');
});
