import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { test, type TestContext } from 'node:test';
import { sizeOfCapture } from '../../../proxy-core/history/capture.js';
import { MAX_CAPTURES_PER_CALL } from '../../../proxy-core/history/detail.js';
import { createHistory } from '../../../proxy-core/history/history.js';
import { createStore, type Store, type StoreOptions } from '../../../proxy-core/history/store.js';
import type { Capture } from '../../../shared/history.js';
import type { RequestRecord } from '../../../shared/snapshot.js';
import {
  capture,
  closeFirst,
  noonOf,
  problems,
  record,
  sqlite,
  sqliteValue,
  tempHistoryFile,
} from './fixtures.js';

const NOW = noonOf(2025, 3, 31);
const HOUR = 3_600_000;

function open(t: TestContext, options: Partial<StoreOptions> = {}): { store: Store; file: string } {
  const file = options.file ?? tempHistoryFile(t);
  const store = createStore({ file, retentionDays: 100_000, now: () => NOW, ...options });
  closeFirst(t, () => {
    store.close();
  });
  return { store, file };
}

/** Writes `records`, each with the capture paired with it (or none). */
function insert(store: Store, pairs: readonly (readonly [RequestRecord, Capture?])[]): boolean {
  const captures = new Map<RequestRecord, Capture>();
  for (const [row, kept] of pairs) if (kept !== undefined) captures.set(row, kept);
  return store.insert({ requests: pairs.map(([row]) => row), tunnels: [], captures });
}

test('a capture is written beside its request, in the same transaction, and read back whole', (t) => {
  const { store, file } = open(t);
  const kept = capture();
  insert(store, [[record({ time: NOW - 2 })], [record({ time: NOW - 1 }), kept]]);
  assert.equal(store.stats().transactions, 1);
  assert.deepEqual(
    sqlite(
      file,
      `SELECT request_id, time, request_headers, request_body, request_bytes, request_truncated,
        response_bytes, response_truncated, events FROM captures`,
    ),
    [
      {
        request_id: 2,
        time: NOW - 1,
        request_headers:
          '[["Host","api.anthropic.com"],["x-api-key","[redacted]"],["Content-Type","application/json"]]',
        request_body: '{"model":"claude-sonnet-4-5"}',
        request_bytes: 29,
        request_truncated: 0,
        response_bytes: 51,
        response_truncated: 0,
        events: '[{"event":"message_stop","data":"{\\"type\\":\\"message_stop\\"}"}]',
      },
    ],
  );
  const detail = store.detail(2);
  assert.equal(detail?.row.id, 2);
  assert.equal(detail.row.time, NOW - 1);
  assert.deepEqual(detail.capture, kept);
  assert.deepEqual(store.detail(1)?.capture, null, 'a row without a capture');
  assert.equal(store.detail(99), null, 'no such row');
});

test('bodies that were absent or not text read back as such', (t) => {
  const { store } = open(t);
  const kept = capture({
    requestBody: null,
    responseBody: { text: null, bytes: 4_000, truncated: true },
    events: null,
  });
  insert(store, [[record({ time: NOW }), kept]]);
  assert.deepEqual(store.detail(1)?.capture, kept);
});

test('captures(ids) gives the captures of the ids that have one, and refuses too many ids', (t) => {
  const { store } = open(t);
  insert(
    store,
    Array.from({ length: 5 }, (_, i) => {
      const row = record({ time: NOW - 10 + i });
      return i % 2 === 0
        ? ([row, capture({ events: [{ event: 'n', data: String(i) }] })] as const)
        : ([row] as const);
    }),
  );
  const found = store.captures([1, 2, 3, 5, 42]);
  assert.deepEqual([...found.keys()].sort(), [1, 3, 5]);
  assert.deepEqual(found.get(3)?.events, [{ event: 'n', data: '2' }]);
  assert.equal(store.captures([]).size, 0);
  assert.throws(
    () => store.captures(Array.from({ length: MAX_CAPTURES_PER_CALL + 1 }, (_, i) => i)),
    /at most 100 captures/,
  );
});

test('a credential header handed to the store unredacted never reaches the file', (t) => {
  const { store, file } = open(t);
  insert(store, [
    [
      record({ time: NOW }),
      capture({
        requestHeaders: [
          ['Authorization', 'Bearer sk-PLANTED-store'],
          ['X-Custom', 'sk-ant-PLANTED-store'],
        ],
        responseHeaders: [['Set-Cookie', 'session=PLANTED-store']],
      }),
    ],
  ]);
  assert.deepEqual(store.detail(1)?.capture?.requestHeaders, [
    ['Authorization', '[redacted]'],
    ['X-Custom', '[redacted]'],
  ]);
  store.close();
  for (const suffix of ['', '-wal']) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file + suffix);
    } catch {
      continue;
    }
    assert.equal(bytes.includes('PLANTED'), false, `PLANTED found in ${file}${suffix}`);
  }
});

test('capture retention deletes captures older than its hours and keeps their requests', (t) => {
  const { store, file } = open(t, { captureRetentionHours: 2 });
  insert(store, [
    [record({ time: NOW - 3 * HOUR }), capture()],
    [record({ time: NOW - 2 * HOUR - 1 }), capture()],
    [record({ time: NOW - 2 * HOUR }), capture()],
    [record({ time: NOW - 1 }), capture()],
  ]);
  assert.equal(store.pruneCaptures(), 2);
  assert.deepEqual(sqlite(file, 'SELECT request_id FROM captures ORDER BY 1'), [
    { request_id: 3 },
    { request_id: 4 },
  ]);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), 4);
  assert.equal(store.pruneCaptures(), 0);
});

test('24 hours by default; a request deleted by day retention takes its capture along', (t) => {
  const { store, file } = open(t, { retentionDays: 2 });
  insert(store, [
    [record({ time: noonOf(2025, 3, 20) }), capture()],
    [record({ time: NOW - 25 * HOUR }), capture()],
    [record({ time: NOW - 23 * HOUR }), capture()],
  ]);
  assert.equal(store.prune()?.requests, 1);
  assert.deepEqual(sqlite(file, 'SELECT request_id FROM captures ORDER BY 1'), [
    { request_id: 2 },
    { request_id: 3 },
  ]);
  assert.equal(store.pruneCaptures(), 1);
  assert.deepEqual(sqlite(file, 'SELECT request_id FROM captures'), [{ request_id: 3 }]);
});

test('clear deletes the captures with everything else', (t) => {
  const { store, file } = open(t);
  insert(store, [[record({ time: NOW }), capture()]]);
  store.clear();
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM captures'), 0);
  insert(store, [[record({ time: NOW }), capture()]]);
  assert.deepEqual(store.detail(1)?.capture, capture(), 'a reused id gets only its own capture');
});

test('captures waiting for a locked file are bounded apart from rows, newest kept', (t) => {
  const heard = problems();
  const { store, file } = open(t, {
    busyTimeoutMs: 20,
    pendingCaptureChars: sizeOfCapture(capture()) * 2,
    onProblem: heard.onProblem,
  });
  const other = new DatabaseSync(file);
  closeFirst(t, () => {
    if (other.isOpen) other.close();
  });
  other.exec('BEGIN IMMEDIATE');
  for (let i = 0; i < 5; i++) insert(store, [[record({ time: NOW + i }), capture()]]);
  assert.equal(store.stats().pending, 5);
  assert.ok(
    heard.messages.some((m) => /captures waiting for .* passed their memory bound/.test(m)),
  );
  other.exec('ROLLBACK');
  assert.equal(store.insert({ requests: [], tunnels: [] }), true);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), 5);
  assert.deepEqual(sqlite(file, 'SELECT request_id FROM captures ORDER BY 1'), [
    { request_id: 4 },
    { request_id: 5 },
  ]);
});

test('through the writer thread: captures go with their records; detail and captures answer', async (t) => {
  const file = tempHistoryFile(t);
  const history = createHistory({ file, retentionDays: 100_000 });
  closeFirst(t, () => history.close());
  const now = Date.now();
  history.add(record({ time: now - 2 }));
  history.add(record({ time: now - 1 }), capture());
  history.add(record({ time: now }), capture({ events: null }));
  await history.flush();
  assert.equal((await history.stats()).malformed, 0);
  const detail = await history.detail(2);
  assert.deepEqual(detail?.capture, capture());
  assert.equal((await history.detail(1))?.capture, null);
  assert.equal(await history.detail(7), null);
  const found = await history.captures([1, 2, 3]);
  assert.deepEqual([...found.keys()].sort(), [2, 3]);
  assert.equal(found.get(3)?.events, null);
  await assert.rejects(
    history.captures(Array.from({ length: MAX_CAPTURES_PER_CALL + 1 }, (_, i) => i)),
    /at most 100/,
  );
  await history.clear();
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM captures'), 0);
});

test('the thread prunes captures past captureRetentionHours when it starts', async (t) => {
  const file = tempHistoryFile(t);
  const store = createStore({ file, retentionDays: 100_000 });
  const old = record({ time: Date.now() - 5 * HOUR });
  const fresh = record({ time: Date.now() - HOUR });
  store.insert({
    requests: [old, fresh],
    tunnels: [],
    captures: new Map([
      [old, capture()],
      [fresh, capture()],
    ]),
  });
  store.close();
  const history = createHistory({ file, retentionDays: 100_000, captureRetentionHours: 3 });
  closeFirst(t, () => history.close());
  // Calls are answered in order, after the start's retention.
  assert.equal((await history.detail(1))?.capture, null);
  assert.deepEqual((await history.detail(2))?.capture, capture());
});

test('a malformed capture is counted, and its request is still written', async (t) => {
  const file = tempHistoryFile(t);
  const history = createHistory({ file, retentionDays: 100_000 });
  closeFirst(t, () => history.close());
  history.add(record({ time: Date.now() }), {
    ...capture(),
    requestBody: { text: 'x', bytes: -1, truncated: false },
  });
  await history.flush();
  assert.equal((await history.stats()).malformed, 1);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), 1);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM captures'), 0);
});
