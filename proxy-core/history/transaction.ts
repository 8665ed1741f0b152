// One write transaction, the way every writer in history takes it: IMMEDIATE, so a locked file
// fails at BEGIN (after the busy timeout) rather than midway, and rolled back on any failure.

import type { DatabaseSync } from 'node:sqlite';

/** Runs `run` inside BEGIN IMMEDIATE … COMMIT; on a throw, rolls back and rethrows it. */
export function inTransaction<T>(db: DatabaseSync, run: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = run();
    db.exec('COMMIT');
    return result;
  } catch (err) {
    // SQLite has already rolled back after a full disk or an I/O error; a ROLLBACK that fails
    // too must not hide the error that caused it.
    if (db.isTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch {
        // The first error is the one reported.
      }
    }
    throw err;
  }
}
