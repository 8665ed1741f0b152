import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restartDelay } from '../../main/restart-policy.js';

test('restart delays start at 0.5 s and double up to 30 s', () => {
  const cases: [attempt: number, ms: number][] = [
    [1, 500],
    [2, 1_000],
    [3, 2_000],
    [4, 4_000],
    [5, 8_000],
    [6, 16_000],
    [7, 30_000],
    [8, 30_000],
    [50, 30_000],
  ];
  for (const [attempt, ms] of cases) assert.equal(restartDelay(attempt), ms, `attempt ${attempt}`);
});
