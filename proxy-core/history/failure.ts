// What went wrong with the history file, told apart by SQLite's result code, and the one sentence
// each kind of failure is reported with. Pure: no I/O.

/** A failure the store reacts to in its own way. */
export type FailureKind =
  /** Another connection held the lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED). */
  | 'busy'
  /** The disk or the file system is full (SQLITE_FULL). */
  | 'full'
  /** The OS refused a read or a write (SQLITE_IOERR: a file size limit, a failing disk). */
  | 'io'
  /** The file is not a database or its pages are damaged (SQLITE_CORRUPT, SQLITE_NOTADB). */
  | 'corrupt'
  /** The file or its folder could not be opened or written at all (permissions, read-only). */
  | 'unwritable'
  | 'other';

// Primary result codes, https://sqlite.org/rescode.html; extended codes keep them in the low byte.
const PRIMARY: Readonly<Record<number, FailureKind>> = {
  5: 'busy',
  6: 'busy',
  8: 'unwritable',
  10: 'io',
  11: 'corrupt',
  13: 'full',
  14: 'unwritable',
  23: 'unwritable',
  26: 'corrupt',
};

/** Whether a failure can pass by itself, so the rows that failed are worth keeping for later. */
export function isPassing(kind: FailureKind): boolean {
  return kind === 'busy' || kind === 'full' || kind === 'io' || kind === 'unwritable';
}

/** The kind of an error node:sqlite (or node:fs, for the folder) threw. */
export function toFailureKind(err: unknown): FailureKind {
  if (typeof err !== 'object' || err === null) return 'other';
  if ('errcode' in err && typeof err.errcode === 'number') {
    return PRIMARY[err.errcode & 0xff] ?? 'other';
  }
  if ('code' in err) {
    switch (err.code) {
      case 'ENOSPC':
        return 'full';
      // Permissions, a read-only file system, or a folder path through a file (mkdir fails with
      // EEXIST for the file itself, ENOTDIR below it).
      case 'EACCES':
      case 'EPERM':
      case 'EROFS':
      case 'EEXIST':
      case 'ENOTDIR':
        return 'unwritable';
      default:
        return 'other';
    }
  }
  return 'other';
}

/** The error's own words, for the end of a message. */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The one sentence a failure to open or write `file` is reported with. */
export function writeProblem(kind: FailureKind, file: string, reason: string): string {
  switch (kind) {
    case 'busy':
      return `history: ${file} is locked by another program; rows are kept in memory and written once it is free`;
    case 'full':
      return `history: the disk holding ${file} is full; rows are kept in memory and written once there is space`;
    case 'io':
      return `history: could not write ${file} (${reason}); rows are kept in memory for the next try`;
    case 'unwritable':
      return `history: cannot open or write ${file} (${reason}); rows are kept in memory for the next try`;
    case 'corrupt':
    case 'other':
      return `history: writing ${file} failed (${reason})`;
  }
}
