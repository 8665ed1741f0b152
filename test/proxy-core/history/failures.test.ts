import assert from 'node:assert/strict';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import { createStore } from '../../../proxy-core/history/store.js';
import { closeFirst, noonOf, problems, record, sqliteValue, tempHistoryFile } from './fixtures.js';

const GARBAGE = Buffer.from(
  'this is not a database, just some text the user had lying around\n'.repeat(200),
);

function asideFiles(file: string): string[] {
  return readdirSync(dirname(file)).filter((name) => name.includes('.corrupt-'));
}

test('a file that is not a database is set aside with its -wal and -shm, and a new one started', (t) => {
  const file = tempHistoryFile(t);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, GARBAGE);
  writeFileSync(`${file}-wal`, 'stale wal');
  writeFileSync(`${file}-shm`, 'stale shm');
  const heard = problems();
  const store = createStore({ file, onProblem: heard.onProblem });
  closeFirst(t, () => {
    store.close();
  });

  assert.equal(heard.messages.length, 1);
  const [message] = heard.messages;
  assert.ok(message?.includes(file), message);
  const aside = asideFiles(file);
  assert.equal(aside.length, 3, aside.join(', '));
  const main = aside.find((name) => !name.endsWith('-wal') && !name.endsWith('-shm')) ?? '';
  assert.match(main, /^history\.db\.corrupt-\d{4}-\d{2}-\d{2}T[\d-]+Z$/);
  assert.ok(aside.includes(`${main}-wal`) && aside.includes(`${main}-shm`));
  assert.ok(message?.includes(join(dirname(file), main)), 'the message names where it went');
  assert.deepEqual(readFileSync(join(dirname(file), main)), GARBAGE, 'set aside untouched');

  assert.equal(store.insert({ requests: [record()], tunnels: [] }), true);
  assert.equal(sqliteValue(file, 'PRAGMA quick_check'), 'ok');
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), 1);
});

test('a database whose pages fail quick_check is set aside too', (t) => {
  const file = tempHistoryFile(t);
  const first = createStore({ file });
  const requests = Array.from({ length: 2_000 }, (_, i) =>
    record({ time: noonOf(2025, 3, 10) + i, path: `/v1/messages/${i}` }),
  );
  first.insert({ requests, tunnels: [] });
  first.close();
  // Page 1 (the header) stays valid, so SQLite opens the file; pages further in are overwritten.
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(4096 * 8, 0x5a), 0, 4096 * 8, 4096 * 3);
  closeSync(fd);
  assert.notEqual(sqliteValue(file, 'PRAGMA quick_check(1)'), 'ok', 'the file is really damaged');

  const heard = problems();
  const store = createStore({ file, onProblem: heard.onProblem });
  closeFirst(t, () => {
    store.close();
  });
  assert.equal(heard.messages.length, 1);
  assert.match(heard.messages[0] ?? '', /not a readable database \(quick_check: /);
  assert.ok(heard.messages[0]?.includes(file));
  const aside = asideFiles(file).filter((name) => !name.endsWith('-wal') && !name.endsWith('-shm'));
  assert.equal(aside.length, 1);
  assert.equal(store.count({}), 0, 'a new, empty history');
  assert.equal(store.insert({ requests: [record()], tunnels: [] }), true);
});

test('a locked file: one message, the rows kept, written once the lock is gone', (t) => {
  const file = tempHistoryFile(t);
  const heard = problems();
  const store = createStore({ file, busyTimeoutMs: 50, onProblem: heard.onProblem });
  closeFirst(t, () => {
    store.close();
  });
  // Another program holds the write lock.
  const other = new DatabaseSync(file);
  closeFirst(t, () => {
    if (other.isOpen) other.close();
  });
  other.exec('BEGIN IMMEDIATE');

  const batch = (start: number) =>
    Array.from({ length: 10 }, (_, i) => record({ time: noonOf(2025, 3, 10) + start + i }));
  assert.equal(store.insert({ requests: batch(0), tunnels: [] }), false);
  assert.equal(store.insert({ requests: batch(10), tunnels: [] }), false);
  assert.equal(heard.messages.length, 1, heard.messages.join('\n'));
  assert.match(heard.messages[0] ?? '', /is locked by another program; rows are kept in memory/);
  assert.ok(heard.messages[0]?.includes(file));
  assert.equal(store.stats().pending, 20);

  other.exec('ROLLBACK');
  assert.equal(store.insert({ requests: [], tunnels: [] }), true);
  assert.equal(store.stats().pending, 0);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM requests'), 20);
  assert.equal(heard.messages.length, 1, 'nothing was dropped, so nothing more to say');
});

test('rows waiting beyond the limit: the oldest dropped, counted, and said', (t) => {
  const file = tempHistoryFile(t);
  const heard = problems();
  const store = createStore({
    file,
    busyTimeoutMs: 20,
    pendingLimit: 100,
    onProblem: heard.onProblem,
  });
  closeFirst(t, () => {
    store.close();
  });
  const other = new DatabaseSync(file);
  closeFirst(t, () => {
    if (other.isOpen) other.close();
  });
  other.exec('BEGIN IMMEDIATE');
  for (let round = 0; round < 3; round++) {
    const requests = Array.from({ length: 60 }, (_, i) =>
      record({ time: noonOf(2025, 3, 10) + round * 60 + i }),
    );
    store.insert({ requests, tunnels: [] });
  }
  assert.deepEqual(
    { pending: store.stats().pending, dropped: store.stats().dropped },
    { pending: 100, dropped: 80 },
  );
  assert.equal(heard.messages.length, 2);
  assert.match(
    heard.messages[1] ?? '',
    /more than 100 rows are waiting for .*; the oldest are dropped/,
  );

  other.exec('ROLLBACK');
  assert.equal(store.insert({ requests: [], tunnels: [] }), true);
  assert.match(
    heard.messages[2] ?? '',
    /is written again; 80 rows were dropped while it could not be/,
  );
  assert.deepEqual(
    {
      rows: sqliteValue(file, 'SELECT count(*) FROM requests'),
      first: sqliteValue(file, 'SELECT min(time) FROM requests'),
    },
    { rows: 100, first: noonOf(2025, 3, 10) + 80 },
  );
});

test('a file that cannot be created: said once, nothing thrown, reads fail with a clear error', (t) => {
  const dir = dirname(tempHistoryFile(t));
  mkdirSync(dir, { recursive: true });
  // A folder where a file stands: no one, root included, can create the database under it.
  writeFileSync(join(dir, 'blocker'), '');
  const file = join(dir, 'blocker', 'history.db');
  const heard = problems();
  const store = createStore({ file, onProblem: heard.onProblem });
  closeFirst(t, () => {
    store.close();
  });
  assert.equal(store.insert({ requests: [record()], tunnels: [] }), false);
  assert.equal(store.insert({ requests: [record()], tunnels: [] }), false);
  assert.equal(heard.messages.length, 1, heard.messages.join('\n'));
  assert.ok(heard.messages[0]?.includes(file));
  assert.equal(store.stats().pending, 2);
  assert.throws(() => store.query({}), /history: .*history\.db cannot be read now/);
  assert.equal(store.prune(), undefined);
  assert.equal(heard.messages.length, 1, 'retention adds no second message');
  assert.equal(existsSync(file), false);
});
