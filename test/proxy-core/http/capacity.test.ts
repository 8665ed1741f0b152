import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseOpenFilesLimit, toMaxConnections } from '../../../proxy-core/http/capacity.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

test('the soft open-files limit is read from /proc/self/limits', () => {
  assert.equal(parseOpenFilesLimit(LIMITS), 1024);
  assert.equal(parseOpenFilesLimit(LIMITS.replace('1024   ', 'unlimited')), null);
  assert.equal(parseOpenFilesLimit('garbage'), null);
});

test('connections are capped at half the descriptors left after a reserve, never below 16', () => {
  const rows: readonly (readonly [number | null, number | null])[] = [
    [null, null],
    [1024, 480],
    [20_000, 9_968],
    [100, 18],
    [10, 16],
  ];
  for (const [files, expected] of rows)
    assert.equal(toMaxConnections(files), expected, String(files));
});
