import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigProblem } from '../../shared/bridge.js';
import {
  describeConfigProblem,
  describeWhere,
  formatBytes,
  formatDuration,
  formatPercent,
  formatRate,
  formatReset,
  formatShortClock,
  formatStatus,
  isFailed,
  toDisplayPath,
} from '../../renderer/format.js';

test('writes byte counts in SI units with two or three significant digits', () => {
  const cases: [number, string][] = [
    [0, '0 B'],
    [999, '999 B'],
    [1000, '1.0 kB'],
    [1549, '1.5 kB'],
    [9949, '9.9 kB'],
    [9950, '10 kB'],
    [999_499, '999 kB'],
    [999_500, '1.0 MB'],
    [1_250_000, '1.3 MB'],
    [123_456_789_012, '123 GB'],
    [5e15, '5000 TB'],
  ];
  for (const [bytes, text] of cases) assert.equal(formatBytes(bytes), text, String(bytes));
});

test('writes durations in ms, seconds, then minutes and seconds', () => {
  const cases: [number, string][] = [
    [0, '0 ms'],
    [999.4, '999 ms'],
    [1000, '1.00 s'],
    [9994, '9.99 s'],
    [9995, '10.0 s'],
    [59_949, '59.9 s'],
    [59_950, '1 min 00 s'],
    [65_000, '1 min 05 s'],
    [3_723_000, '62 min 03 s'],
  ];
  for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
});

test('says when a limit resets: a countdown within a day, then the day and time', () => {
  // Local time, as the dashboard shows it: Wednesday 11 June 2025, 09:30:05.
  const now = new Date(2025, 5, 11, 9, 30, 5).getTime();
  const cases: [number, string][] = [
    [-1, 'resets now'],
    [0, 'resets now'],
    [1, 'resets in 1 s'],
    [44_200, 'resets in 45 s'],
    [59_999, 'resets in 60 s'],
    [60_000, 'resets in 1 min'],
    [13 * 60_000 + 59_000, 'resets in 13 min'],
    [2 * 3_600_000, 'resets in 2 h'],
    [2 * 3_600_000 + 13 * 60_000 + 30_000, 'resets in 2 h 13 min'],
    [24 * 3_600_000 - 1, 'resets in 23 h 59 min'],
    [new Date(2025, 5, 14, 14, 5).getTime() - now, 'resets Sat 14:05'],
  ];
  for (const [left, text] of cases) assert.equal(formatReset(now + left, now), text, String(left));
  assert.equal(formatShortClock(new Date(2025, 5, 11, 7, 4, 59).getTime()), '07:04');
});

test('writes used fractions as whole percentages and rates to a tenth below ten', () => {
  const percents: [number, string][] = [
    [0, '0%'],
    [0.004, '0%'],
    [0.42, '42%'],
    [0.946, '95%'],
    [1.04, '104%'],
  ];
  for (const [fraction, text] of percents) assert.equal(formatPercent(fraction), text);
  const rates: [number, string][] = [
    [0, '0.0'],
    [8.54, '8.5'],
    [9.94, '9.9'],
    [9.95, '10'],
    [87.4, '87'],
    [212.7, '213'],
  ];
  for (const [rate, text] of rates) assert.equal(formatRate(rate), text);
});

test('drops the query and fragment from paths', () => {
  const cases: [string, string][] = [
    ['/v1/messages', '/v1/messages'],
    ['/v1beta/models/x:generateContent?key=SECRET', '/v1beta/models/x:generateContent'],
    ['/a#b?c', '/a'],
    ['?key=SECRET', ''],
  ];
  for (const [path, shown] of cases) assert.equal(toDisplayPath(path), shown, path);
});

test('marks error statuses and cut responses as failed', () => {
  const cases: [number, boolean, boolean, string][] = [
    [200, true, false, '200'],
    [399, true, false, '399'],
    [400, true, true, '400'],
    [529, true, true, '529'],
    [200, false, true, '200 cut'],
    [0, false, true, '— cut'],
  ];
  for (const [status, complete, failed, text] of cases) {
    assert.equal(isFailed({ status, complete }), failed, `${status} ${complete}`);
    assert.equal(formatStatus({ status, complete }), text, `${status} ${complete}`);
  }
});

test('a config problem is shown as where it is and what is wrong', () => {
  const cases: [ConfigProblem, string, string][] = [
    [
      {
        file: '/home/me/.memex.yml',
        issues: [{ line: 4, column: 7, key: 'port', message: 'must be an integer' }],
      },
      'in /home/me/.memex.yml, line 4',
      'port: must be an integer',
    ],
    [
      {
        file: '/home/me/memex.toml',
        issues: [{ line: 12, key: 'timeouts.connect_ms', message: 'must be positive' }],
      },
      'in /home/me/memex.toml, line 12',
      'timeouts.connect_ms: must be positive',
    ],
    [
      {
        file: 'C:\\Users\\me\\.memex.yml',
        issues: [
          { line: 3, column: 1, key: 'host', message: 'must be a string' },
          { line: 5, column: 1, key: '', message: 'x' },
        ],
      },
      'in C:\\Users\\me\\.memex.yml, line 3',
      'host: must be a string\nC:\\Users\\me\\.memex.yml:5:1: x',
    ],
    [
      {
        file: '/home/me/.memex.yml',
        issues: [{ key: 'upstreams.a', message: 'must be a URL' }],
      },
      'in /home/me/.memex.yml',
      'upstreams.a: must be a URL',
    ],
    [{ file: '', issues: [{ key: '', message: 'something odd' }] }, '', 'something odd'],
    // A config wrong as a whole names no file; its key is not taken for one.
    [
      { file: '', issues: [{ key: 'host', message: 'needs credentials' }] },
      '',
      'host: needs credentials',
    ],
  ];
  for (const [problem, where, message] of cases) {
    assert.equal(describeWhere(problem.file, problem.issues[0]?.line), where, message);
    assert.equal(describeConfigProblem(problem), message);
  }
  assert.equal(describeWhere('/a.yml', 4), 'in /a.yml, line 4');
  assert.equal(describeWhere('/a.yml', null), 'in /a.yml');
  assert.equal(describeWhere('', null), '');
});
