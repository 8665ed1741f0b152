import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { createStore, type Store, type StoreOptions } from '../../../proxy-core/history/store.js';
import {
  closeFirst,
  noonOf,
  record,
  sqlite,
  sqliteValue,
  tempHistoryFile,
  tunnel,
} from './fixtures.js';

const TODAY = noonOf(2025, 3, 31);

function open(t: TestContext, options: Partial<StoreOptions> = {}): { store: Store; file: string } {
  const file = tempHistoryFile(t);
  const store = createStore({ file, now: () => TODAY, ...options });
  closeFirst(t, () => {
    store.close();
  });
  return { store, file };
}

/** `perDay` requests (and one tunnel) on each of the `days` days ending 2025-03-31. */
function fillDays(store: Store, days: number, perDay: number, pathBytes = 0): void {
  for (let back = days - 1; back >= 0; back--) {
    const time = noonOf(2025, 3, 31 - back);
    const requests = Array.from({ length: perDay }, (_, i) =>
      record({ time: time + i, path: `/v1/messages/${'x'.repeat(pathBytes)}${i}` }),
    );
    store.insert({ requests, tunnels: [tunnel({ time })] });
  }
}

const tally = {
  requests: 1,
  input: 1,
  output: 1,
  cacheRead: 0,
  cacheWrite: 0,
  unknown: 0,
  unparsed: 0,
};

test('retention deletes whole days older than the kept span: requests, tunnels, imported days', (t) => {
  const { store, file } = open(t, { retentionDays: 10 });
  store.importUsage({
    version: 1,
    days: {
      '2025-02-01': { schemas: { anthropic: tally }, models: { m: tally } },
      '2025-03-25': { schemas: { anthropic: tally }, models: { m: tally } },
    },
  });
  fillDays(store, 20, 5);
  const result = store.prune();
  assert.ok(result !== undefined);
  assert.deepEqual(result.days, [
    '2025-02-01',
    '2025-03-12',
    '2025-03-13',
    '2025-03-14',
    '2025-03-15',
    '2025-03-16',
    '2025-03-17',
    '2025-03-18',
    '2025-03-19',
    '2025-03-20',
    '2025-03-21',
  ]);
  assert.equal(result.requests, 50);
  assert.equal(result.tunnels, 10);
  assert.deepEqual(
    sqlite(file, 'SELECT min(day) AS first, max(day) AS last, count(*) AS n FROM requests'),
    [{ first: '2025-03-22', last: '2025-03-31', n: 50 }],
  );
  assert.equal(sqliteValue(file, 'SELECT min(day) FROM tunnels'), '2025-03-22');
  assert.deepEqual(sqlite(file, 'SELECT DISTINCT day FROM imported_days'), [{ day: '2025-03-25' }]);
  assert.deepEqual(store.prune()?.days, [], 'a second prune finds nothing');
});

test('the size cap deletes whole oldest days until the file is under it, never the newest', (t) => {
  const { store, file } = open(t, { retentionDays: 1_000, maxMb: 1 });
  // About 60 KB of rows per day, 40 days: well over 1 MB.
  fillDays(store, 40, 40, 1_000);
  const before = store.count({});
  const result = store.prune();
  assert.ok(result !== undefined);
  assert.ok(result.days.length > 0, 'days were deleted');
  assert.ok(result.bytes <= 1024 * 1024, `page_count × page_size is ${result.bytes}`);
  // The WAL was checkpointed and truncated, so the file on disk is the size SQLite counts.
  assert.equal(statSync(file).size, result.bytes);
  const days = sqlite(file, 'SELECT DISTINCT day FROM requests ORDER BY day').map((r) => r['day']);
  assert.equal(days.at(-1), '2025-03-31');
  assert.equal(days[0], result.days.length === 40 ? undefined : nextOf(result.days.at(-1)));
  assert.equal(before - store.count({}), result.requests);
  assert.equal(
    sqliteValue(file, 'SELECT count(*) FROM requests'),
    40 * (40 - result.days.length),
    'only whole days were deleted',
  );
  assert.equal(sqliteValue(file, 'PRAGMA quick_check'), 'ok');
});

function nextOf(day: string | undefined): string {
  const [year, month, date] = (day ?? '').split('-').map(Number);
  const next = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, (date ?? 1) + 1));
  return next.toISOString().slice(0, 10);
}

test('the size cap keeps the newest day even when it alone is over the cap', (t) => {
  const { store, file } = open(t, { retentionDays: 1_000, maxMb: 0.01 });
  fillDays(store, 3, 50, 500);
  store.prune();
  assert.deepEqual(sqlite(file, 'SELECT DISTINCT day FROM requests'), [{ day: '2025-03-31' }]);
});

test('clear deletes every row and gives the space back; the usage import stays done', (t) => {
  const { store, file } = open(t, { retentionDays: 1_000 });
  const snapshot = {
    version: 1 as const,
    days: { '2025-01-01': { schemas: { anthropic: tally }, models: {} } },
  };
  store.importUsage(snapshot);
  fillDays(store, 10, 100, 200);
  const full = statSync(file).size + statSync(`${file}-wal`).size;
  store.clear();
  assert.deepEqual(
    sqlite(
      file,
      `SELECT (SELECT count(*) FROM requests) AS requests, (SELECT count(*) FROM tunnels) AS tunnels,
        (SELECT count(*) FROM imported_days) AS imported`,
    ),
    [{ requests: 0, tunnels: 0, imported: 0 }],
  );
  assert.ok(statSync(file).size < full / 4, 'the file shrank');
  assert.deepEqual(store.importUsage(snapshot), { imported: false, days: 0, skipped: 0 });
  assert.equal(store.insert({ requests: [record()], tunnels: [] }), true, 'it still writes');
  assert.equal(store.count({}), 1);
});
