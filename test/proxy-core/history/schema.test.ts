import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { test } from 'node:test';
import {
  MIGRATIONS,
  migrate,
  SCHEMA_VERSION,
  versionOf,
} from '../../../proxy-core/history/schema.js';
import { openHistoryFile } from '../../../proxy-core/history/open.js';
import { createStore } from '../../../proxy-core/history/store.js';
import {
  capture,
  closeFirst,
  problems,
  record,
  sqlite,
  sqliteValue,
  tempHistoryFile,
} from './fixtures.js';

/**
 * Rows a file at version N holds before it is migrated to N+1, as SQL valid at version N.
 * Version 0 is a new, empty file. A new migration needs an entry here for the version before it.
 */
const SEEDS: readonly string[] = [
  '',
  `INSERT INTO requests (time, day, method, host, path, schema, status, complete, duration_ms,
     bytes_in, bytes_out) VALUES (1, '2025-01-01', 'POST', 'h', '/v1/messages', 'anthropic', 200,
     1, 5, 10, 20);
   INSERT INTO tunnels (time, day, host, schema, bytes_in, bytes_out, duration_ms, client)
     VALUES (1, '2025-01-01', 'h', 'unknown', 1, 2, 3, 'curl');`,
  `INSERT INTO requests (time, day, method, host, path, schema, status, complete, duration_ms,
     bytes_in, bytes_out, user) VALUES (2, '2025-01-02', 'POST', 'h', '/v1/messages',
     'anthropic', 200, 1, 5, 10, 20, 'alice');
   INSERT INTO tunnels (time, day, host, schema, bytes_in, bytes_out, duration_ms, client)
     VALUES (2, '2025-01-02', 'h', 'unknown', 1, 2, 3, 'curl');`,
];

function tablesAndColumns(db: DatabaseSync): unknown {
  const objects = db
    .prepare(
      "SELECT type, name, tbl_name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all();
  const columns = db
    .prepare(
      `SELECT m.name AS tableName, c.name, c.type, c."notnull", c.pk
       FROM sqlite_schema m, pragma_table_info(m.name) c WHERE m.type = 'table' ORDER BY 1, c.cid`,
    )
    .all();
  return { objects, columns };
}

function rowCounts(db: DatabaseSync): Record<string, unknown> {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all();
  const counts: Record<string, unknown> = {};
  for (const { name } of tables) {
    if (typeof name !== 'string') continue;
    counts[name] = db.prepare(`SELECT count(*) AS n FROM "${name}"`).get()?.['n'];
  }
  return counts;
}

test('every migration has a seed for the version it starts from', () => {
  assert.equal(SEEDS.length, MIGRATIONS.length);
  assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
});

test('each migration takes a file from the previous version to its own, keeping its rows', (t) => {
  for (let target = 1; target <= MIGRATIONS.length; target++) {
    const file = tempHistoryFile(t, `v${target - 1}.db`);
    mkdirSync(dirname(file), { recursive: true });
    const old = new DatabaseSync(file);
    closeFirst(t, () => {
      if (old.isOpen) old.close();
    });
    migrate(old, target - 1);
    assert.equal(versionOf(old), target - 1);
    old.exec(SEEDS[target - 1] ?? '');
    const before = rowCounts(old);

    assert.deepEqual(migrate(old, target), { kind: 'migrated', from: target - 1, to: target });
    assert.equal(versionOf(old), target);
    for (const [table, count] of Object.entries(before)) {
      assert.equal(rowCounts(old)[table], count, `${table} keeps its rows`);
    }
    // The same schema a file built from nothing at this version has.
    const fresh = new DatabaseSync(':memory:');
    migrate(fresh, target);
    assert.deepEqual(tablesAndColumns(old), tablesAndColumns(fresh));
    fresh.close();
    old.close();
    assert.equal(sqliteValue(file, 'PRAGMA quick_check'), 'ok');
    assert.equal(sqliteValue(file, 'PRAGMA user_version'), target);
  }
});

test('migrating a current file does nothing', (t) => {
  const db = new DatabaseSync(':memory:');
  closeFirst(t, () => {
    db.close();
  });
  migrate(db);
  assert.deepEqual(migrate(db), { kind: 'current', from: SCHEMA_VERSION });
});

test('a new file is WAL, synchronous NORMAL, a busy timeout, incremental auto-vacuum, every index', (t) => {
  const file = tempHistoryFile(t);
  const opened = openHistoryFile(file, 1_234, () => undefined, Date.now);
  assert.equal(opened.kind, 'open');
  const { db } = opened;
  closeFirst(t, () => {
    db.close();
  });
  const pragma = (name: string): unknown => db.prepare(`PRAGMA ${name}`).get()?.[name];
  assert.equal(pragma('journal_mode'), 'wal');
  assert.equal(pragma('synchronous'), 1, 'NORMAL');
  // The pragma's result column is named `timeout`.
  assert.equal(db.prepare('PRAGMA busy_timeout').get()?.['timeout'], 1_234);
  // 2 = INCREMENTAL; it can only be chosen before the first table exists.
  assert.equal(pragma('auto_vacuum'), 2);
  assert.equal(pragma('user_version'), SCHEMA_VERSION);
  const indexes = db
    .prepare(
      "SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .all()
    .map((row) => row['name']);
  assert.deepEqual(indexes, [
    'captures_time',
    'requests_client',
    'requests_day_model',
    'requests_day_schema',
    'requests_project',
    'requests_session',
    'requests_status',
    'requests_time',
    'tunnels_day',
    'tunnels_time',
  ]);
});

test('the table refuses a path with a query string, whoever writes it', (t) => {
  const file = tempHistoryFile(t);
  createStore({ file }).close();
  assert.throws(
    () =>
      execFileSync(
        'sqlite3',
        [
          file,
          `INSERT INTO requests (time, day, method, host, path, schema, status, complete, duration_ms,
            bytes_in, bytes_out) VALUES (1, '2025-01-01', 'GET', 'h', '/v1?key=sk-1', 'unknown', 200, 1, 1, 0, 0)`,
        ],
        { stdio: 'pipe' },
      ),
    /CHECK constraint failed/,
  );
  assert.deepEqual(sqlite(file, 'SELECT count(*) AS n FROM requests'), [{ n: 0 }]);
});

test('a file from a newer memex is left untouched, said once, and nothing is written', (t) => {
  const file = tempHistoryFile(t);
  createStore({ file }).close();
  execFileSync('sqlite3', [file, `PRAGMA user_version = ${SCHEMA_VERSION + 1}`]);
  const bytes = readFileSync(file);
  const heard = problems();
  const store = createStore({ file, onProblem: heard.onProblem });
  closeFirst(t, () => {
    store.close();
  });
  assert.equal(store.insert({ requests: [record()], tunnels: [] }), false);
  assert.equal(store.insert({ requests: [record()], tunnels: [] }), false);
  assert.equal(heard.messages.length, 1);
  assert.match(heard.messages[0] ?? '', /newer memex/);
  assert.ok(heard.messages[0]?.includes(file));
  assert.equal(store.stats().dropped, 2);
  assert.throws(() => store.query({}), /cannot be read now/);
  store.close();
  assert.deepEqual(readFileSync(file), bytes);
});

test('a version 1 file opened by this build gains the captures table and keeps its rows', (t) => {
  const file = tempHistoryFile(t);
  mkdirSync(dirname(file), { recursive: true });
  const old = new DatabaseSync(file);
  migrate(old, 1);
  old.exec(SEEDS[1] ?? '');
  old.close();
  assert.equal(sqliteValue(file, 'PRAGMA user_version'), 1);

  const store = createStore({ file, retentionDays: 100_000 });
  closeFirst(t, () => {
    store.close();
  });
  store.insert({
    requests: [record({ time: Date.now() })],
    tunnels: [],
    captures: new Map(),
  });
  const written = record({ time: Date.now() });
  store.insert({ requests: [written], tunnels: [], captures: new Map([[written, capture()]]) });
  store.close();
  assert.equal(sqliteValue(file, 'PRAGMA user_version'), SCHEMA_VERSION);
  assert.deepEqual(sqlite(file, 'SELECT id, path FROM requests ORDER BY id'), [
    { id: 1, path: '/v1/messages' },
    { id: 2, path: '/v1/messages' },
    { id: 3, path: '/v1/messages' },
  ]);
  assert.equal(sqliteValue(file, 'SELECT count(*) FROM tunnels'), 1);
  assert.deepEqual(sqlite(file, 'SELECT request_id FROM captures'), [{ request_id: 3 }]);
});
