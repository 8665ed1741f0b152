// The limit-notification decision (issue 15) as a table: each row is the accounts of one stats
// snapshot in a sequence, and the notices it must produce given all the rows before it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideNotices, type NoticeSettings } from '../../main/limit-notices.js';
import type { WindowStatus } from '../../shared/limits.js';
import type { AccountLimits } from '../../shared/snapshot.js';

const RESET = Date.UTC(2026, 11, 3, 14, 5);
const clock = (time: number): string => new Date(time).toISOString().slice(11, 16);
const ON: NoticeSettings = { enabled: true, thresholds: [0.8, 0.95] };

function claude(used: number, status: WindowStatus = 'allowed', key = 'f1'): AccountLimits {
  return {
    provider: 'anthropic-subscription',
    host: 'api.anthropic.com',
    fingerprint: key,
    windows: [
      {
        id: '5h',
        usedFraction: used,
        limit: null,
        remaining: null,
        resetsAt: RESET,
        windowMinutes: 300,
        status,
        seenAt: 0,
      },
    ],
    history: {},
    binding: '5h',
    plan: null,
    retryAfterMs: null,
    rateLimited: 0,
    seenAt: 0,
  };
}

/** Runs the snapshots in order; returns the notice titles of each step. */
function run(steps: readonly (readonly AccountLimits[])[], settings = ON): string[][] {
  let shown: ReadonlySet<string> = new Set();
  return steps.map((accounts) => {
    const decision = decideNotices(accounts, shown, settings, clock);
    shown = decision.shown;
    return decision.notices.map((notice) => notice.title);
  });
}

const CASES: readonly (readonly [string, readonly (readonly AccountLimits[])[], string[][]])[] = [
  ['below every threshold: nothing', [[claude(0.5)], [claude(0.79)]], [[], []]],
  [
    'crossing 80 % notifies once, however long it stays there',
    [[claude(0.5)], [claude(0.81)], [claude(0.85)], [claude(0.82)]],
    [[], ['Claude 5h at 81%'], [], []],
  ],
  [
    'then crossing 95 % notifies again',
    [[claude(0.81)], [claude(0.96)]],
    [['Claude 5h at 81%'], ['Claude 5h at 96%']],
  ],
  [
    'jumping past both thresholds at once is one notice',
    [[claude(0.2)], [claude(0.97)]],
    [[], ['Claude 5h at 97%']],
  ],
  [
    'after the window resets (drops below), crossing again notifies again',
    [[claude(0.85)], [claude(0.1)], [claude(0.86)]],
    [['Claude 5h at 85%'], [], ['Claude 5h at 86%']],
  ],
  [
    'a refused window says so once, and again when it has reset',
    [[claude(1.02, 'rejected')], [claude(1.02, 'rejected')], [claude(0, 'allowed')]],
    [['Claude 5h limit reached'], [], ['Claude 5h limit has reset']],
  ],
  [
    'two accounts are two windows',
    [[claude(0.9, 'allowed', 'a'), claude(0.9, 'allowed', 'b')]],
    [['Claude 5h at 90%', 'Claude 5h at 90%']],
  ],
];

for (const [name, steps, expected] of CASES) {
  test(`limit notices: ${name}`, () => {
    assert.deepEqual(run(steps), expected);
  });
}

test('the refusal notice says when the window resets', () => {
  const { notices } = decideNotices([claude(1.01, 'rejected')], new Set(), ON, clock);
  assert.deepEqual(notices, [
    { title: 'Claude 5h limit reached', body: 'Requests are refused until 14:05.' },
  ]);
});

test('turned off, nothing shows, and turning it back on does not replay what passed', () => {
  const off = { ...ON, enabled: false };
  let shown: ReadonlySet<string> = new Set();
  const first = decideNotices([claude(0.9)], shown, off, clock);
  assert.deepEqual(first.notices, []);
  shown = first.shown;
  assert.deepEqual(decideNotices([claude(0.9)], shown, ON, clock).notices, []);
});
