// The lookup's expiring cache (issue 16): entries live for their TTL, and the oldest goes
// beyond the limit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExpiringCache } from '../../../../proxy-core/observe/origin/cache.js';

test('an entry is there until its TTL has passed', () => {
  const cache = new ExpiringCache<number, string>(1_000, 10);
  assert.equal(cache.set(1, 'node', 5_000), 'node');
  assert.equal(cache.get(1, 5_999), 'node');
  assert.equal(cache.get(1, 6_000), undefined);
  assert.equal(cache.get(2, 5_000), undefined);
});

test('setting again renews an entry; beyond the limit the one set longest ago goes', () => {
  const cache = new ExpiringCache<number, string>(1_000, 2);
  cache.set(1, 'a', 0);
  cache.set(2, 'b', 0);
  cache.set(1, 'a2', 10);
  cache.set(3, 'c', 20);
  assert.equal(cache.get(2, 30), undefined);
  assert.equal(cache.get(1, 30), 'a2');
  assert.equal(cache.get(3, 30), 'c');
  assert.equal(cache.get(1, 1_005), 'a2');
});
