// Opening the history file: its folder made, the connection set up (WAL, synchronous=NORMAL, a
// busy timeout, incremental auto-vacuum), checked, migrated; and a damaged file set aside with its
// -wal and -shm so a new one can start. Synchronous: only the writer thread calls it.

import { existsSync, mkdirSync, renameSync } from 'node:fs';
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
  if (first.kind !== 'failed' || first.failure !== 'corrupt') return first;
  try {
    const aside = setAside(file, now());
    onProblem(
      `history: ${file} is not a readable database (${first.reason}); it was moved to ${aside} and a new history started`,
    );
  } catch (err) {
    return { kind: 'failed', failure: toFailureKind(err), reason: reasonOf(err) };
  }
  return tryOpen(file, busyTimeoutMs);
}

function tryOpen(file: string, busyTimeoutMs: number): Opened {
  let db: DatabaseSync | undefined;
  try {
    mkdirSync(dirname(file), { recursive: true });
    db = new DatabaseSync(file, { timeout: busyTimeoutMs });
    const check = db.prepare('PRAGMA quick_check(1)').get()?.['quick_check'];
    if (check !== 'ok') {
      db.close();
      return { kind: 'failed', failure: 'corrupt', reason: `quick_check: ${String(check)}` };
    }
    configure(db);
    const result = migrate(db);
    if (result.kind === 'newer') {
      db.close();
      return { kind: 'newer', version: result.from };
    }
    return { kind: 'open', db };
  } catch (err) {
    if (db?.isOpen === true) db.close();
    return { kind: 'failed', failure: toFailureKind(err), reason: reasonOf(err) };
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
 * Renames `file` and its `-wal` and `-shm` to `<file>.corrupt-<timestamp>` (plus `-wal`,
 * `-shm`, so the set-aside file still opens with its log); returns the new name.
 */
export function setAside(file: string, time: number): string {
  const aside = `${file}.corrupt-${new Date(time).toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  }
  return aside;
}
