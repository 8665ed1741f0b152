import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UsageTally } from '../../shared/usage.js';
import { tallyTokens } from '../../shared/usage-text.js';

function tally(fields: Partial<UsageTally>): UsageTally {
  const zero = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, unknown: 0, unparsed: 0 };
  return { requests: 1, ...zero, ...fields };
}

test("a day's family tokens are known, unknown, or nothing to say", () => {
  const cases: [UsageTally | undefined, ReturnType<typeof tallyTokens>][] = [
    [undefined, null],
    [tally({ requests: 0 }), null],
    [tally({ requests: 2, unknown: 1, unparsed: 1 }), { kind: 'unknown' }],
    [
      tally({ requests: 2, unknown: 1, input: 30_000, cacheRead: 4_100, output: 2_300 }),
      { kind: 'known', text: '34.1k in / 2.3k out' },
    ],
  ];
  for (const [given, expected] of cases) {
    assert.deepEqual(tallyTokens(given), expected, JSON.stringify(given));
  }
});
