// The history database's tables and the ordered migrations that build them. `PRAGMA
// user_version` is the number of migrations applied; each runs in its own transaction, so a crash
// mid-migration leaves the file at the previous version, never between two.

import type { DatabaseSync } from 'node:sqlite';
import { inTransaction } from './transaction.js';

/**
 * Migration N (1-based) takes a database from version N−1 to N. Append only: a shipped migration
 * is never edited, since files in the field were built by it.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE requests (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    day TEXT NOT NULL,
    method TEXT NOT NULL,
    host TEXT NOT NULL,
    -- A query string can carry keys: a path with one is refused by the table itself.
    path TEXT NOT NULL CHECK (instr(path, '?') = 0),
    schema TEXT NOT NULL,
    status INTEGER NOT NULL,
    complete INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    ttfb_ms INTEGER,
    first_content_ms INTEGER,
    bytes_in INTEGER NOT NULL,
    bytes_out INTEGER NOT NULL,
    model TEXT,
    usage_kind TEXT CHECK (usage_kind IN ('counted', 'unknown', 'unparsed')),
    input INTEGER,
    output INTEGER,
    cache_read INTEGER,
    cache_write INTEGER,
    cost REAL,
    client TEXT,
    client_version TEXT,
    session TEXT,
    project_root TEXT,
    project_name TEXT,
    branch TEXT,
    process_name TEXT,
    pid INTEGER,
    user TEXT,
    limits_snapshot_id INTEGER
  );
  CREATE INDEX requests_time ON requests (time);
  CREATE INDEX requests_day_schema ON requests (day, schema);
  -- Covering for the sums (dayTotals, and totals filtered by time, schema, model or status),
  -- so a month's sums read this index alone, never the rows.
  CREATE INDEX requests_day_model ON requests (day, model, schema, usage_kind, status, complete,
    time, input, output, cache_read, cache_write, cost);
  CREATE INDEX requests_session ON requests (session, time);
  CREATE INDEX requests_project ON requests (project_root, time);
  CREATE INDEX requests_client ON requests (client, time);
  CREATE INDEX requests_status ON requests (status, time);

  CREATE TABLE tunnels (
    id INTEGER PRIMARY KEY,
    time INTEGER NOT NULL,
    day TEXT NOT NULL,
    host TEXT NOT NULL,
    schema TEXT NOT NULL,
    bytes_in INTEGER NOT NULL,
    bytes_out INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    client TEXT NOT NULL,
    client_version TEXT,
    project_root TEXT,
    project_name TEXT,
    branch TEXT
  );
  CREATE INDEX tunnels_time ON tunnels (time);
  CREATE INDEX tunnels_day ON tunnels (day);

  -- Day totals from the app's usage.json, kept apart from requests and added into dayTotals.
  CREATE TABLE imported_days (
    day TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('schema', 'model')),
    key TEXT NOT NULL,
    requests INTEGER NOT NULL,
    input INTEGER NOT NULL,
    output INTEGER NOT NULL,
    cache_read INTEGER NOT NULL,
    cache_write INTEGER NOT NULL,
    unknown INTEGER NOT NULL,
    unparsed INTEGER NOT NULL,
    PRIMARY KEY (day, kind, key)
  ) WITHOUT ROWID;

  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  `,
  `
  -- What the request inspector kept of a request (issue 17): headers as JSON [[name, value], …]
  -- with credentials redacted, bodies as text. A body's three columns are all null when there
  -- was none; its text alone is null when it was not text. Deleted with its request (node:sqlite
  -- enforces foreign keys), and on its own after inspector.retention_hours.
  CREATE TABLE captures (
    request_id INTEGER PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    time INTEGER NOT NULL,
    request_headers TEXT NOT NULL,
    response_headers TEXT NOT NULL,
    request_body TEXT,
    request_bytes INTEGER,
    request_truncated INTEGER,
    response_body TEXT,
    response_bytes INTEGER,
    response_truncated INTEGER,
    -- A stream's server-sent events as JSON [{"event", "data"}, …]; null for other responses.
    events TEXT
  );
  CREATE INDEX captures_time ON captures (time);
  `,
  `
  -- The proxy user a tunnel was admitted as (auth.users, issue 18), as requests have had.
  ALTER TABLE tunnels ADD COLUMN user TEXT;
  `,
];

/** The version this build writes: every migration applied. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** What {@link migrate} found and did. */
export type MigrateResult =
  | { readonly kind: 'current'; readonly from: number }
  | { readonly kind: 'migrated'; readonly from: number; readonly to: number }
  /** A file from a newer memex: left as it is, unwritten. */
  | { readonly kind: 'newer'; readonly from: number };

/** The file's version (`PRAGMA user_version`). */
export function versionOf(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  const version = row?.['user_version'];
  return typeof version === 'number' ? version : 0;
}

/**
 * Applies the migrations the file lacks, up to `to` (default: all), one transaction each.
 * Throws what SQLite throws (a busy or corrupt file); the caller classifies it.
 */
export function migrate(db: DatabaseSync, to: number = SCHEMA_VERSION): MigrateResult {
  const from = versionOf(db);
  if (from > SCHEMA_VERSION) return { kind: 'newer', from };
  if (from >= to) return { kind: 'current', from };
  for (let version = from; version < to; version++) {
    const sql = MIGRATIONS[version];
    if (sql === undefined) break;
    // The write lock comes first, so two processes opening one new file cannot both run
    // migration 1: the second waits, then sees the new version and skips it.
    inTransaction(db, () => {
      if (versionOf(db) !== version) return;
      db.exec(sql);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    });
  }
  return { kind: 'migrated', from, to: versionOf(db) };
}
