// Retention: whole local days older than the kept span are deleted, then whole oldest days until
// the file is under its size cap; inspector captures go sooner, after their own hours (a request
// deleted takes its capture along). Freed pages go back to the file system by incremental vacuum.

import type { DatabaseSync } from 'node:sqlite';
import { firstKeptDay } from '../usage/totals.js';
import { inTransaction } from './transaction.js';

/** Days kept by default, and the file's default size cap in MB (2^20 bytes). */
export const DEFAULT_RETENTION_DAYS = 90;
export const DEFAULT_MAX_MB = 500;
/** Hours an inspector capture is kept by default (config `inspector.retention_hours`). */
export const DEFAULT_CAPTURE_RETENTION_HOURS = 24;

export interface PruneLimits {
  /** Days kept, today included. Default DEFAULT_RETENTION_DAYS. */
  readonly retentionDays?: number;
  /** The main file's size cap, in MB; its -wal is not counted. Default DEFAULT_MAX_MB. */
  readonly maxMb?: number;
}

export interface PruneResult {
  /** The days deleted, oldest first. */
  readonly days: readonly string[];
  readonly requests: number;
  readonly tunnels: number;
  /** The main file's size afterwards: page_count × page_size. */
  readonly bytes: number;
}

const TABLES = ['requests', 'tunnels', 'imported_days'] as const;

function pragmaNumber(db: DatabaseSync, name: string): number {
  const value = db.prepare(`PRAGMA ${name}`).get()?.[name];
  return typeof value === 'number' ? value : 0;
}

/** The main file's size in bytes, as SQLite counts its pages. */
function fileBytes(db: DatabaseSync): number {
  return pragmaNumber(db, 'page_count') * pragmaNumber(db, 'page_size');
}

function oldestDay(db: DatabaseSync): string | undefined {
  let oldest: string | undefined;
  for (const table of TABLES) {
    const day = db.prepare(`SELECT min(day) AS day FROM ${table}`).get()?.['day'];
    if (typeof day === 'string' && (oldest === undefined || day < oldest)) oldest = day;
  }
  return oldest;
}

function newestDay(db: DatabaseSync): string | undefined {
  let newest: string | undefined;
  for (const table of TABLES) {
    const day = db.prepare(`SELECT max(day) AS day FROM ${table}`).get()?.['day'];
    if (typeof day === 'string' && (newest === undefined || day > newest)) newest = day;
  }
  return newest;
}

// Deletes every row of the days before `before` in one transaction; returns the rows deleted.
function deleteBefore(db: DatabaseSync, before: string): { requests: number; tunnels: number } {
  return inTransaction(db, () => {
    const requests = db.prepare('DELETE FROM requests WHERE day < ?').run(before).changes;
    const tunnels = db.prepare('DELETE FROM tunnels WHERE day < ?').run(before).changes;
    db.prepare('DELETE FROM imported_days WHERE day < ?').run(before);
    return { requests: Number(requests), tunnels: Number(tunnels) };
  });
}

/**
 * Gives free pages back and folds the WAL into the file, truncating both, so page_count (and
 * the size on disk) shrink now rather than at some later checkpoint.
 */
export function compact(db: DatabaseSync): void {
  db.exec('PRAGMA incremental_vacuum');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
}

/**
 * Deletes the days before the kept span ending `today`, then the oldest remaining days one by
 * one while the file is over `maxMb`; the newest day is never deleted for size. Throws what
 * SQLite throws.
 */
export function prune(db: DatabaseSync, today: Date, limits: PruneLimits = {}): PruneResult {
  const keep = Math.max(1, Math.floor(limits.retentionDays ?? DEFAULT_RETENTION_DAYS));
  const capBytes = (limits.maxMb ?? DEFAULT_MAX_MB) * 1024 * 1024;
  const days: string[] = [];
  let requests = 0;
  let tunnels = 0;
  const deleteDaysBefore = (before: string): void => {
    for (let day = oldestDay(db); day !== undefined && day < before; day = oldestDay(db)) {
      days.push(day);
      const deleted = deleteBefore(db, nextDay(day));
      requests += deleted.requests;
      tunnels += deleted.tunnels;
    }
  };
  deleteDaysBefore(firstKeptDay(today, keep));
  if (days.length > 0) compact(db);
  const newest = newestDay(db);
  while (newest !== undefined && fileBytes(db) > capBytes) {
    const oldest = oldestDay(db);
    if (oldest === undefined || oldest >= newest) break;
    deleteDaysBefore(nextDay(oldest));
    compact(db);
  }
  return { days, requests, tunnels, bytes: fileBytes(db) };
}

// The key of the day after `day` (`YYYY-MM-DD`), through the calendar, not by adding 24 hours.
function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  const next = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, (date ?? 1) + 1));
  return next.toISOString().slice(0, 10);
}

/**
 * Deletes the captures of requests made before `hours` before `now` (ms since the epoch) and
 * gives their space back; returns how many went. Throws what SQLite throws.
 */
export function pruneCaptures(db: DatabaseSync, now: number, hours: number): number {
  const before = now - hours * 3_600_000;
  const deleted = Number(db.prepare('DELETE FROM captures WHERE time < ?').run(before).changes);
  if (deleted > 0) compact(db);
  return deleted;
}
