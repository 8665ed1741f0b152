// Opening the history file: its folder made, the connection set up (WAL, synchronous=NORMAL, a
// busy timeout, incremental auto-vacuum), checked, migrated; and a damaged file set aside with its
// -wal and -shm so a new one can start. Synchronous: only the writer thread calls it.

import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { reasonOf, toFailureKind, type FailureKind } from './failure.js';
import { migrate } from './schema.js';

/** SQLite's WAL is truncated back to this after a checkpoint, so it cannot keep a burst's size. */
const WAL_LIMIT_BYTES = 4 * 1024 * 1024;

export type Opened =
  | { readonly kind: 'open'; readonly db: DatabaseSync }
  | { readonly kind: 'failed'; readonly failure: FailureKind; readonly reason: string }
  /** Written by a newer memex: not touched, so a downgrade cannot damage it. */
  | { readonly kind: 'newer'; readonly version: number };

/**
 * Opens `file`, creating it and its folder when missing. A file that is not a database, or fails
 * `PRAGMA quick_check`, is renamed aside (see {@link setAside}) and a new one opened in its place;
 * `onProblem` hears which. quick_check reads every page, about a second per few hundred MB, once
 * per start of the writer thread.
 */
export function openHistoryFile(
  file: string,
  busyTimeoutMs: number,
  onProblem: (message: string) => void,
  now: () => number,
): Opened {
  const first = tryOpen(file, busyTimeoutMs);
  if (first.kind !== 'corrupt') return first;
  try {
    const aside = setAside(file, now(), first.db);
    onProblem(
      `history: ${file} is not a readable database (${first.reason}); it was moved to ${aside} and a new history started`,
    );
  } catch (err) {
    return { kind: 'failed', failure: toFailureKind(err), reason: reasonOf(err) };
  }
  const second = tryOpen(file, busyTimeoutMs);
  if (second.kind !== 'corrupt') return second;
  second.db?.close();
  return { kind: 'failed', failure: 'corrupt', reason: second.reason };
}

// A damaged file comes back still open: closing it would delete its -wal, see setAside.
type Tried =
  | Opened
  | { readonly kind: 'corrupt'; readonly reason: string; readonly db: DatabaseSync | undefined };

function tryOpen(file: string, busyTimeoutMs: number): Tried {
  let db: DatabaseSync | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    db = new DatabaseSync(file, { timeout: busyTimeoutMs });
    const check = db.prepare('PRAGMA quick_check(1)').get()?.['quick_check'];
    if (check !== 'ok') return { kind: 'corrupt', reason: `quick_check: ${String(check)}`, db };
    configure(db);
    const result = migrate(db);
    if (result.kind === 'newer') {
      db.close();
      return { kind: 'newer', version: result.from };
    }
    return { kind: 'open', db };
  } catch (err) {
    const failure = toFailureKind(err);
    if (failure === 'corrupt') return { kind: 'corrupt', reason: reasonOf(err), db };
    if (db?.isOpen === true) db.close();
    return { kind: 'failed', failure, reason: reasonOf(err) };
  }
}

function configure(db: DatabaseSync): void {
  // auto_vacuum can only be chosen before the first table exists. INCREMENTAL lets prune() give
  // freed pages back to the file system page by page; a full VACUUM would rewrite the whole file
  // (and need its size again in free space) each time.
  const pages = db.prepare('PRAGMA page_count').get()?.['page_count'];
  if (pages === 0) db.exec('PRAGMA auto_vacuum = INCREMENTAL');
  // WAL: the dashboard's reads never wait for a write, and a commit is one append. NORMAL
  // syncs at checkpoints, not at every commit: a power cut can lose the last commits, never
  // corrupt the file (https://sqlite.org/wal.html#durability).
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec(`PRAGMA journal_size_limit = ${WAL_LIMIT_BYTES}`);
}

/**
 * Moves `file` and its `-wal` and `-shm` to `<file>.corrupt-<timestamp>` (plus `-wal`, `-shm`,
 * so the set-aside file still opens with its log) and returns the new name. SQLite deletes a
 * -wal and -shm when it closes the last connection to a file, so while `db` (the connection
 * that found the damage) is open they are copied first; then it is closed.
 */
export function setAside(file: string, time: number, db?: DatabaseSync): string {
  const aside = `${file}.corrupt-${new Date(time).toISOString().replace(/[:.]/g, '-')}`;
  const logs = ['-wal', '-shm'].filter((suffix) => existsSync(file + suffix));
  if (db?.isOpen === true) {
    for (const suffix of logs) copyFileSync(file + suffix, aside + suffix);
    db.close();
    for (const suffix of logs) rmSync(file + suffix, { force: true });
  } else {
    for (const suffix of logs) renameSync(file + suffix, aside + suffix);
  }
  renameSync(file, aside);
  return aside;
}
