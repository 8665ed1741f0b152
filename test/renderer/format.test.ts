import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeWhere,
  formatBytes,
  formatDuration,
  formatStatus,
  isFailed,
  parseConfigError,
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

test('splits config errors into file, line and message', () => {
  const cases: [string, ReturnType<typeof parseConfigError>][] = [
    [
      '/home/me/.memex.yml:4:7: port: must be an integer',
      { file: '/home/me/.memex.yml', line: 4, message: 'port: must be an integer' },
    ],
    [
      '/home/me/memex.toml:12: timeouts.connect_ms: must be positive',
      { file: '/home/me/memex.toml', line: 12, message: 'timeouts.connect_ms: must be positive' },
    ],
    [
      'C:\\Users\\me\\.memex.yml:3:1: host: must be a string\nC:\\Users\\me\\.memex.yml:5:1: x',
      {
        file: 'C:\\Users\\me\\.memex.yml',
        line: 3,
        message: 'host: must be a string\nC:\\Users\\me\\.memex.yml:5:1: x',
      },
    ],
    [
      '/home/me/.memex.yml: upstreams.a: must be a URL',
      { file: '/home/me/.memex.yml', line: null, message: 'upstreams.a: must be a URL' },
    ],
    ['something odd', { file: '', line: null, message: 'something odd' }],
  ];
  for (const [text, parsed] of cases) assert.deepEqual(parseConfigError(text), parsed, text);
  assert.equal(describeWhere('/a.yml', 4), 'in /a.yml, line 4');
  assert.equal(describeWhere('/a.yml', null), 'in /a.yml');
  assert.equal(describeWhere('', null), '');
});
