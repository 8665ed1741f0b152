import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigProblem } from '../../shared/bridge.js';
import {
  describeConfigProblem,
  describeWhere,
  formatBytes,
  formatDuration,
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
