import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundBatch, joinBatches } from '../../../proxy-core/history/pending.js';
import { record, tunnel } from './fixtures.js';

test('a batch over the limit keeps its newest rows, requests and tunnels by time', () => {
  const requests = [1, 3, 5, 7].map((time) => record({ time }));
  const tunnels = [2, 4, 6].map((time) => tunnel({ time }));
  const { kept, dropped } = boundBatch({ requests, tunnels }, 3);
  assert.equal(dropped, 4);
  assert.deepEqual(
    kept.requests.map((row) => row.time),
    [5, 7],
  );
  assert.deepEqual(
    kept.tunnels.map((row) => row.time),
    [6],
  );
});

test('a batch within the limit is kept whole; joining keeps each list’s order', () => {
  const batch = { requests: [record({ time: 1 })], tunnels: [tunnel({ time: 2 })] };
  assert.deepEqual(boundBatch(batch, 2), { kept: batch, dropped: 0, droppedCaptures: 0 });
  const joined = joinBatches(batch, { requests: [record({ time: 3 })], tunnels: [] });
  assert.deepEqual(
    joined.requests.map((row) => row.time),
    [1, 3],
  );
  assert.equal(joined.tunnels.length, 1);
});
