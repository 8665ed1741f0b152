// Reading what the inspector kept: one request's row with its capture, and the captures of a
// list of requests (a HAR export's page). Throws what SQLite throws; the store says it for people.

import type { DatabaseSync } from 'node:sqlite';
import type { Capture, HistoryDetail } from '../../shared/history.js';
import { CAPTURE_COLUMNS, parseCaptureRow } from './capture.js';
import { parseHistoryRow, ROW_COLUMNS } from './row.js';

/** Captures one {@link capturesOf} call returns at most: a reply stays tens of MB, not GB. */
export const MAX_CAPTURES_PER_CALL = 100;

/** Request `id`'s row and its capture (null when none is kept); null when there is no row. */
export function detailOf(db: DatabaseSync, id: number): HistoryDetail | null {
  const row = parseHistoryRow(
    db.prepare(`SELECT ${ROW_COLUMNS} FROM requests WHERE id = ?`).get(id),
  );
  if (row === undefined) return null;
  const kept = db.prepare(`SELECT ${CAPTURE_COLUMNS} FROM captures WHERE request_id = ?`).get(id);
  return { row, capture: kept === undefined ? null : (parseCaptureRow(kept)?.[1] ?? null) };
}

/** The captures kept of the requests `ids`, by request id; throws past MAX_CAPTURES_PER_CALL. */
export function capturesOf(db: DatabaseSync, ids: readonly number[]): Map<number, Capture> {
  if (ids.length > MAX_CAPTURES_PER_CALL) {
    throw new Error(`history: at most ${MAX_CAPTURES_PER_CALL} captures are read at once`);
  }
  // One statement for any number of ids: the list goes in as one JSON array.
  const found = db
    .prepare(
      `SELECT ${CAPTURE_COLUMNS} FROM captures WHERE request_id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids));
  const captures = new Map<number, Capture>();
  for (const value of found) {
    const parsed = parseCaptureRow(value);
    if (parsed !== undefined) captures.set(parsed[0], parsed[1]);
  }
  return captures;
}
