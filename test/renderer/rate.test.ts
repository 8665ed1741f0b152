import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyStats } from '../../build/preview.js';
import { WINDOW_MINUTES } from '../../renderer/minutes.js';
import { createRateHistory } from '../../renderer/rate.js';
import type { RequestRecord } from '../../shared/snapshot.js';

const MINUTE = 60_000;
// 10 s into a minute.
const T0 = 1_000 * MINUTE + 10_000;

function snapshot(anthropic: number, uptimeMs: number, recent: RequestRecord[] = []) {
  const stats = emptyStats(uptimeMs);
  stats.requests.anthropic = anthropic;
  return { ...stats, recent };
}

function zeros(count: number): number[] {
  return Array<number>(count).fill(0);
}

function record(time: number): RequestRecord {
  return {
    time,
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 10,
    bytesIn: 1,
    bytesOut: 1,
  };
}

test('counts each snapshot’s growth into the minute of its time', () => {
  // [time, total requests, uptime] → the last three buckets afterwards.
  const steps: [number, number, number, number[]][] = [
    [T0, 0, 1000, [0, 0, 0]],
    [T0 + 5000, 3, 6000, [0, 0, 3]],
    [T0 + 20_000, 5, 21_000, [0, 0, 5]],
    [T0 + MINUTE, 6, 61_000, [0, 5, 1]],
    [T0 + 3 * MINUTE, 6, 181_000, [1, 0, 0]],
    // A clock set back counts into the newest minute.
    [T0 + MINUTE, 8, 182_000, [1, 0, 2]],
    // Uptime went down: a new worker, whose whole total is new.
    [T0 + 3 * MINUTE + 1000, 4, 500, [1, 0, 6]],
  ];
  const history = createRateHistory();
  for (const [time, total, uptime, last] of steps) {
    history.observe(time, snapshot(total, uptime));
    const series = history.series('anthropic');
    assert.equal(series.length, WINDOW_MINUTES);
    assert.deepEqual(series.slice(-3), last, `at +${time - T0} ms`);
  }
  assert.deepEqual(history.series('openai'), zeros(WINDOW_MINUTES));
});

test('forgets minutes older than the window, however long the gap', () => {
  const history = createRateHistory();
  history.observe(T0, snapshot(0, 1000));
  history.observe(T0 + 1000, snapshot(7, 2000));
  history.advance(T0 + 14 * MINUTE);
  assert.deepEqual(history.series('anthropic'), [7, ...zeros(14)]);
  history.advance(T0 + 15 * MINUTE);
  assert.deepEqual(history.series('anthropic'), zeros(15));
  history.observe(T0 + 400 * MINUTE, snapshot(9, 400 * MINUTE));
  assert.deepEqual(history.series('anthropic'), [...zeros(14), 2]);
});

test('the first snapshot places its recent requests in their minutes', () => {
  const history = createRateHistory();
  const recent = [T0, T0 - 9000, T0 - MINUTE, T0 - 14 * MINUTE, T0 - 15 * MINUTE].map(record);
  history.observe(T0, snapshot(900, 50 * MINUTE, recent));
  assert.deepEqual(history.series('anthropic'), [1, ...zeros(12), 1, 2]);
  // Later snapshots count growth only, never `recent` again.
  history.observe(T0 + 1000, snapshot(901, 50 * MINUTE + 1000, recent));
  assert.deepEqual(history.series('anthropic'), [1, ...zeros(12), 1, 3]);
});
