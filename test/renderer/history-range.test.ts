// The History view's time ranges (renderer/history-range.ts): the bounds each choice asks for
// and the days its chart shows, in the machine's local days whatever its time zone.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { daysOf, parseDay, toDayKey, toRange, type Range } from '../../renderer/history-range.js';

// 2025-01-15 09:30:05 local time, and local midnights around it.
const NOW = new Date(2025, 0, 15, 9, 30, 5).getTime();
const midnight = (month: number, day: number, year = 2025): number =>
  new Date(year, month, day).getTime();

test('each range choice gives its bounds, in local days', () => {
  const cases: [Parameters<typeof toRange>, Range][] = [
    [['today', NOW, '', ''], { since: midnight(0, 15) }],
    [['week', NOW, '', ''], { since: midnight(0, 9) }],
    [['month', NOW, '', ''], { since: midnight(11, 17, 2024) }],
    [['custom', NOW, '2025-01-01', '2025-01-03'], { since: midnight(0, 1), until: midnight(0, 4) }],
    // Dates in the wrong order are put right; a missing one leaves that side open.
    [['custom', NOW, '2025-01-03', '2025-01-01'], { since: midnight(0, 1), until: midnight(0, 4) }],
    [['custom', NOW, '2025-01-10', ''], { since: midnight(0, 10) }],
    [['custom', NOW, '', '2024-12-31'], { until: midnight(0, 1) }],
    [['custom', NOW, '', ''], {}],
    [['custom', NOW, 'soon', '2025-02-30'], {}],
  ];
  for (const [args, range] of cases) assert.deepEqual(toRange(...args), range, args.join(' '));
});

test('days are keyed YYYY-MM-DD and only real dates parse', () => {
  assert.equal(toDayKey(NOW), '2025-01-15');
  assert.equal(toDayKey(midnight(1, 3)), '2025-02-03');
  assert.equal(parseDay('2025-01-15'), midnight(0, 15));
  for (const wrong of ['2025-02-29', '2025-13-01', '2025-1-15', '15/01/2025', '']) {
    assert.equal(parseDay(wrong), null, wrong);
  }
});

test('a chart shows every day of its range, or from the first day with data to today', () => {
  assert.deepEqual(daysOf({ since: midnight(0, 13) }, NOW, []), [
    '2025-01-13',
    '2025-01-14',
    '2025-01-15',
  ]);
  assert.deepEqual(daysOf({ since: midnight(0, 30), until: midnight(1, 2) }, NOW, []), [
    '2025-01-30',
    '2025-01-31',
    '2025-02-01',
  ]);
  assert.deepEqual(daysOf({}, NOW, ['2025-01-14', '2025-01-12']), [
    '2025-01-12',
    '2025-01-13',
    '2025-01-14',
    '2025-01-15',
  ]);
  assert.deepEqual(daysOf({ until: midnight(0, 1) }, NOW, []), []);
  assert.equal(daysOf({ since: midnight(0, 1, 1900) }, NOW, []).length, 3660);
});
