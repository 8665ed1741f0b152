// The history store: one SQLite connection, owned by the writer thread and used synchronously.
// Batches go in one transaction each; a batch that cannot be written (locked file, full disk)
// waits in memory, bounded, for the next one. Writes never throw; reads throw one Error whose
// message is for people, and the thread passes it on.
//
//   insert(batch) ─▶ pending (≤ pendingLimit, oldest dropped) ─▶ BEGIN IMMEDIATE … COMMIT
//                          ▲                                          │ busy / full / io
//                          └──────────────── kept for the next try ◀──┘

import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Capture, HistoryDetail } from '../../shared/history.js';
import type { Pricing } from '../../shared/pricing.js';
import type { DayTotals, UsageSnapshot } from '../../shared/usage.js';
import { isPassing, reasonOf, toFailureKind, writeProblem, type FailureKind } from './failure.js';
import { limitOf, toCursor, toWhere, type HistoryFilter, type HistoryPage } from './filter.js';
import { importUsage, type ImportResult } from './import.js';
import { boundBatch, EMPTY_BATCH, joinBatches, sizeOf, type Batch } from './pending.js';
import { openHistoryFile, setAside } from './open.js';
import { inTransaction } from './transaction.js';
import { capturesOf, detailOf } from './detail.js';
import {
  compact,
  DEFAULT_CAPTURE_RETENTION_HOURS,
  prune,
  pruneCaptures,
  type PruneLimits,
  type PruneResult,
} from './prune.js';
import { parseHistoryRow, ROW_COLUMNS, type HistoryRow } from './row.js';
import { SCHEMA_VERSION } from './schema.js';
import { dayTotalsOf, totalsOf, type HistoryTotals } from './sums.js';
import { createWriter, type Writer } from './writer.js';

/** Rows kept in memory while the file cannot be written, by default; the oldest go beyond. */
export const DEFAULT_PENDING_LIMIT = 10_000;
/** How long a write waits for another connection's lock, by default, in ms. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface StoreOptions {
  readonly file: string;
  /** See PruneLimits. */
  readonly retentionDays?: number;
  readonly maxMb?: number;
  /** Hours inspector captures are kept (default 24). */
  readonly captureRetentionHours?: number;
  readonly busyTimeoutMs?: number;
  readonly pendingLimit?: number;
  /** Characters of captures kept in memory while the file cannot be written (see pending.ts). */
  readonly pendingCaptureChars?: number;
  /** Rates for the `cost` column, at write time. */
  readonly pricing?: Pricing;
  /** One sentence per problem, naming the file. */
  readonly onProblem?: (message: string) => void;
  readonly now?: () => number;
}

export interface StoreStats {
  /** Write transactions committed (batches written). */
  readonly transactions: number;
  readonly requestsWritten: number;
  readonly tunnelsWritten: number;
  /** Rows waiting in memory for the file to take them. */
  readonly pending: number;
  /** Rows dropped: beyond pendingLimit, or refused by the file. */
  readonly dropped: number;
}

export interface Store {
  /** Writes `batch` and any rows still waiting; true when all of them are in the file. */
  insert(batch: Batch): boolean;
  query(filter: HistoryFilter): HistoryPage<HistoryRow>;
  count(filter: HistoryFilter): number;
  totals(filter: HistoryFilter): HistoryTotals;
  dayTotals(sinceDay: string): Record<string, DayTotals>;
  importUsage(snapshot: UsageSnapshot): ImportResult;
  /** Request `id`'s row and its capture (null when none was kept); null when there is no row. */
  detail(id: number): HistoryDetail | null;
  /** The captures kept of the requests `ids` (at most MAX_CAPTURES_PER_CALL), by request id. */
  captures(ids: readonly number[]): Map<number, Capture>;
  /**
   * Applies retention (the store's limits, overridden by `limits`). Maintenance: it never
   * throws; undefined when it could not run, the reason reported once.
   */
  prune(limits?: PruneLimits): PruneResult | undefined;
  /**
   * Deletes the captures older than the retention hours; how many went. Maintenance, like
   * prune(): never throws, undefined when it could not run.
   */
  pruneCaptures(): number | undefined;
  /**
   * Deletes every request, capture, tunnel and imported day (and rows waiting); the import stays
   * done.
   */
  clear(): void;
  setPricing(pricing: Pricing): void;
  stats(): StoreStats;
  close(): void;
}

/** The connection and what is prepared on it: all there, or none. */
interface Connection {
  readonly db: DatabaseSync;
  writer: Writer;
  readonly statements: Map<string, StatementSync>;
}

/** Opens the store now (failures are reported and retried on the next use). */
export function createStore(options: StoreOptions): Store {
  const { file } = options;
  const now = options.now ?? Date.now;
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const pendingLimit = options.pendingLimit ?? DEFAULT_PENDING_LIMIT;
  const captureHours = options.captureRetentionHours ?? DEFAULT_CAPTURE_RETENTION_HOURS;
  const report = options.onProblem ?? ((): void => undefined);
  let pricing = options.pricing ?? {};
  let open: Connection | undefined;
  // The failure being reported, so a lasting one is said once, not once per batch.
  let problem: FailureKind | 'newer' | undefined;
  let pending = EMPTY_BATCH;
  let droppedInEpisode = 0;
  let capturesDroppedInEpisode = 0;
  const counters = { transactions: 0, requestsWritten: 0, tunnelsWritten: 0, dropped: 0 };

  const say = (kind: FailureKind | 'newer', message: string): void => {
    if (problem === kind) return;
    problem = kind;
    report(message);
  };

  // The open connection, or why there is none; a failed open is retried on the next use.
  const connect = (): Connection | FailureKind | 'newer' => {
    if (open !== undefined) return open;
    if (problem === 'newer') return 'newer';
    const opened = openHistoryFile(file, busyTimeoutMs, report, now);
    switch (opened.kind) {
      case 'open':
        open = { db: opened.db, writer: createWriter(opened.db, pricing), statements: new Map() };
        return open;
      case 'newer':
        say(
          'newer',
          `history: ${file} was written by a newer memex (version ${opened.version}; this one writes ${SCHEMA_VERSION}); it is left untouched and history is not kept`,
        );
        return 'newer';
      case 'failed':
        say(opened.failure, writeProblem(opened.failure, file, opened.reason));
        return opened.failure;
    }
  };

  const connection = (): Connection => {
    const connected = connect();
    if (typeof connected === 'string') {
      throw new Error(`history: ${file} cannot be read now (${connected})`);
    }
    return connected;
  };

  const disconnect = (): void => {
    if (open?.db.isOpen === true) open.db.close();
    open = undefined;
  };

  // A file found damaged while in use is set aside like one found damaged at open.
  const recoverFrom = (err: unknown): void => {
    if (toFailureKind(err) !== 'corrupt') return;
    try {
      const aside = setAside(file, now(), open?.db);
      report(
        `history: ${file} was found damaged (${reasonOf(err)}); it was moved to ${aside} and a new history started`,
      );
    } catch (renameErr) {
      report(`history: ${file} is damaged and could not be moved aside (${reasonOf(renameErr)})`);
    }
    disconnect();
  };

  // Keeps `rows` for the next try, the oldest beyond pendingLimit dropped (counted, and said).
  const keep = (rows: Batch): void => {
    const { kept, dropped, droppedCaptures } = boundBatch(
      rows,
      pendingLimit,
      options.pendingCaptureChars,
    );
    if (dropped > 0 && droppedInEpisode === 0) {
      report(
        `history: more than ${pendingLimit} rows are waiting for ${file}; the oldest are dropped`,
      );
    }
    if (droppedCaptures > 0 && capturesDroppedInEpisode === 0) {
      report(
        `history: inspector captures waiting for ${file} passed their memory bound; the oldest are dropped (their requests are kept)`,
      );
    }
    droppedInEpisode += dropped;
    capturesDroppedInEpisode += droppedCaptures;
    counters.dropped += dropped;
    pending = kept;
  };

  const written = (): void => {
    if (problem !== undefined && droppedInEpisode > 0) {
      report(
        `history: ${file} is written again; ${droppedInEpisode} rows were dropped while it could not be`,
      );
    }
    problem = undefined;
    droppedInEpisode = 0;
    capturesDroppedInEpisode = 0;
  };

  const tryWrite = (batch: Batch): FailureKind | 'newer' | undefined => {
    const connected = connect();
    if (typeof connected === 'string') return connected;
    try {
      connected.writer.write(batch);
      return undefined;
    } catch (err) {
      const kind = toFailureKind(err);
      if (isPassing(kind)) say(kind, writeProblem(kind, file, reasonOf(err)));
      else recoverFrom(err);
      return kind;
    }
  };

  // Runs `run` on the connection; a damaged file is set aside, and the error said for people.
  const using = <T>(run: (db: DatabaseSync, connected: Connection) => T): T => {
    const connected = connection();
    try {
      return run(connected.db, connected);
    } catch (err) {
      recoverFrom(err);
      throw new Error(`history: using ${file} failed (${reasonOf(err)})`, { cause: err });
    }
  };

  // A read with a statement prepared once per connection (filters make a bounded set of
  // shapes; the cap only guards against a caller gone wild).
  const reading = <T>(sql: string, run: (statement: StatementSync) => T): T =>
    using((db, { statements }) => {
      let prepared = statements.get(sql);
      if (prepared === undefined) {
        if (statements.size >= 64) statements.clear();
        prepared = db.prepare(sql);
        statements.set(sql, prepared);
      }
      return run(prepared);
    });

  // Maintenance (retention) never throws: a failure is said once, a damaged file set aside.
  const maintaining = <T>(what: string, run: (db: DatabaseSync) => T): T | undefined => {
    const connected = connect();
    if (typeof connected === 'string') return undefined;
    try {
      return run(connected.db);
    } catch (err) {
      const kind = toFailureKind(err);
      if (kind === 'corrupt') recoverFrom(err);
      else say(kind, `history: ${what} could not run on ${file} (${reasonOf(err)})`);
      return undefined;
    }
  };

  connect();

  return {
    insert(batch) {
      const all = joinBatches(pending, batch);
      const rows = sizeOf(all);
      if (rows === 0) return true;
      let failure = tryWrite(all);
      // A damaged file was replaced by a new one: the rows go there.
      if (failure === 'corrupt') failure = tryWrite(all);
      if (failure === undefined) {
        pending = EMPTY_BATCH;
        counters.transactions++;
        counters.requestsWritten += all.requests.length;
        counters.tunnelsWritten += all.tunnels.length;
        written();
        return true;
      }
      if (failure !== 'newer' && isPassing(failure)) {
        keep(all);
        return false;
      }
      pending = EMPTY_BATCH;
      counters.dropped += rows;
      // A newer file's refusal was said once already; anything else is said with its count.
      if (failure !== 'newer') {
        report(`history: ${rows} rows could not be written to ${file} and were dropped`);
      }
      return false;
    },
    query(filter) {
      const limit = limitOf(filter);
      const where = toWhere(filter);
      const sql = `SELECT ${ROW_COLUMNS} FROM requests WHERE ${where.sql}
        ORDER BY time DESC, id DESC LIMIT ?`;
      const found = reading(sql, (statement) => statement.all(...where.params, limit + 1));
      const rows: HistoryRow[] = [];
      for (const value of found.slice(0, limit)) {
        const row = parseHistoryRow(value);
        if (row !== undefined) rows.push(row);
      }
      const last = found.length > limit ? found[limit - 1] : undefined;
      const time = last?.['time'];
      const id = last?.['id'];
      const next = typeof time === 'number' && typeof id === 'number' ? toCursor(time, id) : null;
      return { rows, next };
    },
    count(filter) {
      const where = toWhere(filter, false);
      const sql = `SELECT count(*) AS n FROM requests WHERE ${where.sql}`;
      const value = reading(sql, (statement) => statement.get(...where.params)?.['n']);
      return typeof value === 'number' ? value : 0;
    },
    totals: (filter) => using((db) => totalsOf(db, filter)),
    dayTotals: (sinceDay) => using((db) => dayTotalsOf(db, sinceDay)),
    importUsage: (snapshot) => using((db) => importUsage(db, snapshot, now())),
    detail: (id) => using((db) => detailOf(db, id)),
    captures: (ids) => using((db) => capturesOf(db, ids)),
    prune: (limits = {}) =>
      maintaining('retention', (db) =>
        prune(db, new Date(now()), {
          ...(options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }),
          ...(options.maxMb === undefined ? {} : { maxMb: options.maxMb }),
          ...limits,
        }),
      ),
    pruneCaptures: () =>
      maintaining('capture retention', (db) => pruneCaptures(db, now(), captureHours)),
    clear() {
      pending = EMPTY_BATCH;
      using((db) => {
        inTransaction(db, () => {
          // Captures first, as a whole table: not one cascaded delete per request.
          db.exec(
            'DELETE FROM captures; DELETE FROM requests; DELETE FROM tunnels; DELETE FROM imported_days;',
          );
        });
        compact(db);
      });
    },
    setPricing(next) {
      pricing = next;
      if (open !== undefined) open.writer = createWriter(open.db, pricing);
    },
    stats() {
      return { ...counters, pending: pending.requests.length + pending.tunnels.length };
    },
    close() {
      disconnect();
    },
  };
}
