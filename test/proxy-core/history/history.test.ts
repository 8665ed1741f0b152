import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import {
  BATCH_ROWS,
  createHistory,
  type History,
  type HistoryOptions,
} from '../../../proxy-core/history/history.js';
import { createStore } from '../../../proxy-core/history/store.js';
import { withGuard } from '../../helpers/process-spawn.js';
import {
  closeFirst,
  noonOf,
  problems,
  record,
  sqlite,
  sqliteValue,
  tempHistoryFile,
  tunnel,
} from './fixtures.js';

const CRASHING_THREAD = new URL('../../fixtures/history/crashing-thread.js', import.meta.url);

function start(
  t: TestContext,
  options: Partial<HistoryOptions> = {},
): { history: History; file: string } {
  const file = options.file ?? tempHistoryFile(t);
  const history = createHistory({ file, retentionDays: 100_000, ...options });
  closeFirst(t, () => history.close());
  return { history, file };
}

test('a full batch is posted at once, without waiting for the timer, as one transaction', async (t) => {
  const { history, file } = start(t);
  for (let i = 0; i < BATCH_ROWS; i++) history.add(record({ time: noonOf(2025, 3, 10) + i }));
  // A call is answered after every message posted before it, so the batch was handled first.
  const stats = await history.stats();
  assert.equal(stats.requestsWritten, BATCH_ROWS);
  assert.equal(stats.transactions, 1);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), BATCH_ROWS);
});

test('a small batch waits for the timer or a flush', async (t) => {
  const { history, file } = start(t);
  for (let i = 0; i < 10; i++) history.add(record({ time: noonOf(2025, 3, 10) + i }));
  history.addTunnel(tunnel());
  assert.equal((await history.stats()).requestsWritten, 0, 'not posted yet');
  await history.flush();
  assert.deepEqual(
    sqlite(
      file,
      'SELECT (SELECT count(*) FROM requests) AS r, (SELECT count(*) FROM tunnels) AS t',
    ),
    [{ r: 10, t: 1 }],
  );
  assert.equal((await history.stats()).transactions, 1);
});

test('N adds over two seconds become N rows in at most two transactions per second', async (t) => {
  const { history, file } = start(t);
  const began = Date.now();
  let added = 0;
  // 300 rows a second for two seconds: the 1 s timer and the 500-row limit both take turns.
  for (let tick = 0; tick < 100; tick++) {
    for (let i = 0; i < 6; i++) history.add(record({ time: began + added++ }));
    await delay(20);
  }
  await history.flush();
  const seconds = (Date.now() - began) / 1000;
  const stats = await history.stats();
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), added);
  assert.equal(stats.requestsWritten, added);
  assert.ok(
    stats.transactions <= Math.ceil(2 * seconds),
    `${stats.transactions} transactions in ${seconds.toFixed(2)} s`,
  );
  assert.ok(stats.transactions >= 2, 'the timer posted batches before the flush');
});

test('reads through the thread give what the store gives', async (t) => {
  const file = tempHistoryFile(t);
  const { history } = start(t, { file });
  const requests = Array.from({ length: 30 }, (_, i) =>
    record({ time: noonOf(2025, 3, 10) + i * 3_600_000, status: i % 5 === 0 ? 500 : 200 }),
  );
  for (const request of requests) history.add(request);
  const tally = {
    requests: 2,
    input: 1,
    output: 1,
    cacheRead: 0,
    cacheWrite: 0,
    unknown: 0,
    unparsed: 0,
  };
  assert.deepEqual(
    await history.importUsage({
      version: 1,
      days: { '2025-01-01': { schemas: { openai: tally }, models: { 'gpt-4': tally } } },
    }),
    { imported: true, days: 1, skipped: 0 },
  );
  await history.flush();
  const filter = { status: '5xx' as const, limit: 4 };
  const page = await history.query(filter);
  const count = await history.count({ status: '5xx' });
  const totals = await history.totals({});
  const days = await history.dayTotals('2025-01-01');
  await history.close();

  const store = createStore({ file });
  closeFirst(t, () => {
    store.close();
  });
  assert.deepEqual(page, store.query(filter));
  assert.equal(page.rows.length, 4);
  assert.notEqual(page.next, null);
  assert.equal(count, 6);
  assert.deepEqual(totals, store.totals({}));
  assert.deepEqual(days, store.dayTotals('2025-01-01'));
  assert.equal(days['2025-01-01']?.models['gpt-4']?.requests, 2);
});

test('a malformed record is counted, not written, and the rest of its batch is', async (t) => {
  const { history, file } = start(t);
  history.add(record());
  history.add(record({ status: -1 }));
  history.add(record({ time: Number.NaN }));
  await history.flush();
  const stats = await history.stats();
  assert.equal(stats.malformed, 2);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), 1);
});

test('close writes the last batch and ends the thread; later adds are ignored', async (t) => {
  const { history, file } = start(t);
  history.add(record());
  history.add(record());
  await history.close();
  history.add(record());
  await history.close();
  await history.flush();
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), 2);
  await assert.rejects(history.count({}), /writer thread is off/);
});

test('clear drops rows not yet written too', async (t) => {
  const { history } = start(t);
  history.add(record());
  await history.flush();
  history.add(record());
  await history.clear();
  await history.flush();
  assert.equal(await history.count({}), 0);
});

test('a writer thread that stops is reported and restarted; calls waiting on it reject', async (t) => {
  const heard = problems();
  const { history, file } = start(t, { thread: CRASHING_THREAD, onProblem: heard.onProblem });
  history.add(record());
  await history.flush();
  writeFileSync(`${file}.crash`, '');
  await assert.rejects(history.count({}), /history: the writer thread stopped/);
  assert.equal(heard.messages.length, 1);
  assert.match(
    heard.messages[0] ?? '',
    /writer thread for .* stopped \(exit code 3\); it was restarted/,
  );
  history.add(record());
  await history.flush();
  assert.equal(await withGuard(history.count({}), 'a count from the restarted thread'), 2);
});

test('a thread that cannot start is restarted a few times, then history is off; nothing throws', async (t) => {
  const heard = problems();
  const { history } = start(t, {
    thread: new URL('../../fixtures/history/no-such-thread.js', import.meta.url),
    onProblem: heard.onProblem,
  });
  for (let i = 0; i < 10 && !heard.messages.some((m) => m.includes('history is off')); i++) {
    history.add(record());
    await history.flush();
    await history.count({}).catch(() => undefined);
  }
  assert.match(
    heard.messages.at(-1) ?? '',
    /keeps stopping .*; history is off until memex restarts/,
  );
  assert.ok(heard.messages.length <= 6, heard.messages.join('\n'));
  history.add(record());
  await history.flush();
  await assert.rejects(history.query({}), /writer thread is off/);
});

test('setPricing prices the rows written after it, and a restarted thread keeps it', async (t) => {
  const { history, file } = start(t, { thread: CRASHING_THREAD });
  history.add(record({ time: 1 }));
  await history.flush();
  await history.setPricing({ 'claude-*': { output_per_mtok: 1_000_000 } });
  history.add(record({ time: 2 }));
  await history.flush();
  writeFileSync(`${file}.crash`, '');
  await assert.rejects(history.count({}));
  history.add(record({ time: 3 }));
  await history.flush();
  assert.deepEqual(sqlite(file, 'SELECT time, cost FROM requests ORDER BY time'), [
    { time: 1, cost: null },
    { time: 2, cost: 20 },
    { time: 3, cost: 20 },
  ]);
});

test('through the thread, a file that cannot be created is said once however often it is tried', async (t) => {
  const dir = dirname(tempHistoryFile(t));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'blocker'), '');
  const heard = problems();
  const { history } = start(t, {
    file: join(dir, 'blocker', 'history.db'),
    onProblem: heard.onProblem,
  });
  for (let i = 0; i < 3; i++) {
    history.add(record());
    await history.flush();
  }
  assert.equal((await history.stats()).pending, 3);
  assert.equal(heard.messages.length, 1, heard.messages.join('\n'));
  assert.match(heard.messages[0] ?? '', /cannot open or write .*blocker\/history\.db/);
});
