// History as the proxy sees it: add() on the hot path only pushes a finished exchange (and what
// the inspector captured of it) onto an array; at most every BATCH_MS, or at BATCH_ROWS or
// BATCH_CAPTURE_CHARS, the array is posted to the writer thread, which writes it in one
// transaction. Reads are calls answered by the thread.
//
//   add(record, capture?) ─▶ [batch] ──postMessage (≤ 1 s, 500 rows or 8 M chars of captures)──▶
//                                      thread.ts ─▶ store ─▶ history.db
//   query(filter) ─────────────── call ─────────────────────▶ thread.ts ─▶ reply, parsed here
//
// What a crash loses: the rows not yet posted (at most BATCH_MS of traffic, or BATCH_ROWS rows),
// plus a batch the thread was still writing, and any rows waiting in the thread for a locked or
// full disk. A committed batch survives a process kill (WAL); synchronous=NORMAL means a power
// cut can lose the last commits before a checkpoint, never damage the file.

import { Worker } from 'node:worker_threads';
import type { Pricing } from '../../shared/pricing.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import type { Capture, HistoryDetail } from '../../shared/history.js';
import type { DayTotals, UsageSnapshot } from '../../shared/usage.js';
import { sizeOfCapture } from './capture.js';
import { MAX_CAPTURES_PER_CALL } from './detail.js';
import type { HistoryFilter, HistoryPage } from './filter.js';
import type { ImportResult } from './import.js';
import {
  parseCaptureMap,
  parseCount,
  parseDayTotalsMap,
  parseDetail,
  parseFromThread,
  parseImportResult,
  parseNothing,
  parsePage,
  parseStats,
  parseTotals,
  type Call,
  type HistoryStats,
  type ThreadOptions,
  type ToThread,
} from './protocol.js';
import type { TunnelInput } from './record.js';
import type { HistoryRow } from './row.js';
import type { HistoryTotals } from './sums.js';

export { MAX_CAPTURES_PER_CALL } from './detail.js';
export type { HistoryFilter, HistoryPage, StatusClass } from './filter.js';
export type { ImportResult } from './import.js';
export type { HistoryStats } from './protocol.js';
export type { TunnelInput } from './record.js';
export type { HistoryRow } from './row.js';
export type { HistoryTotals, TotalsEntry } from './sums.js';

/** A batch is posted this long after its first row at the latest, in ms… */
export const BATCH_MS = 1_000;
/** …or as soon as it holds this many rows… */
export const BATCH_ROWS = 500;
/** …or captures of this many characters (sizeOfCapture), so a burst of them waits in no queue. */
export const BATCH_CAPTURE_CHARS = 8 * 1024 * 1024;
// Restarts of a thread that keeps stopping: at most this many inside the window, then history is off.
const RESTART_LIMIT = 5;
const RESTART_WINDOW_MS = 60_000;
// close() waits this long for the thread to finish writing before it is terminated.
const CLOSE_TIMEOUT_MS = 15_000;

/** What a request feeds history: its finished exchange, or its tunnel. */
export type HistorySink = Pick<History, 'add' | 'addTunnel'>;

export interface HistoryOptions {
  /** The database file; its folder is created. */
  readonly file: string;
  /** Days kept, today included (default 90). */
  readonly retentionDays?: number;
  /** The file's size cap in MB (default 500); whole oldest days go first. */
  readonly maxMb?: number;
  /** Hours inspector captures are kept (config `inspector.retention_hours`, default 24). */
  readonly captureRetentionHours?: number;
  /** How long a write waits for another program's lock on the file, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Rates the `cost` column is written at (config `pricing:`). */
  readonly pricing?: Pricing;
  /** One sentence per problem, naming the file: for a log line or the tray. Never throws. */
  readonly onProblem?: (message: string) => void;
  /** The writer thread's entry; by default thread.js beside this file (bundles name their own). */
  readonly thread?: URL | string;
}

export interface History {
  /**
   * Queues a finished exchange (and what the inspector captured of it) for the next batch.
   * Never throws, never does I/O.
   */
  add(record: RequestRecord, capture?: Capture): void;
  /** Queues a finished tunnel for the next batch. */
  addTunnel(tunnel: TunnelInput): void;
  /** One page of requests, newest first. Rejects when the file cannot be read. */
  query(filter: HistoryFilter): Promise<HistoryPage<HistoryRow>>;
  count(filter: HistoryFilter): Promise<number>;
  totals(filter: HistoryFilter): Promise<HistoryTotals>;
  /** Token totals per local day from `sinceDay` (`YYYY-MM-DD`) on, imported days included. */
  dayTotals(sinceDay: string): Promise<Record<string, DayTotals>>;
  /** Request `id`'s row and its capture (null when none was kept); null when there is no row. */
  detail(id: number): Promise<HistoryDetail | null>;
  /**
   * The captures kept of the requests `ids`, by id (a HAR export's page); rejects for more than
   * MAX_CAPTURES_PER_CALL ids.
   */
  captures(ids: readonly number[]): Promise<Map<number, Capture>>;
  /** Imports usage.json's days, once ever per file; call it before the first add. */
  importUsage(snapshot: UsageSnapshot): Promise<ImportResult>;
  /** The rates costs are written at from now on. */
  setPricing(pricing: Pricing): Promise<void>;
  /** Deletes all history, captures and rows not yet written included. */
  clear(): Promise<void>;
  /** Posts the batch and waits until the thread has tried to write it. Never rejects. */
  flush(): Promise<void>;
  stats(): Promise<HistoryStats>;
  /** Flushes, then ends the thread. Never rejects; later adds are ignored. */
  close(): Promise<void>;
}

interface Waiting {
  /** Parses a reply's value and settles the call with it. */
  readonly answer: (value: unknown) => void;
  readonly reject: (err: Error) => void;
}

/** Starts the writer thread and returns the handle; problems go to `onProblem`. */
export function createHistory(options: HistoryOptions): History {
  const onProblem = options.onProblem ?? ((): void => undefined);
  const entry = options.thread ?? new URL('./thread.js', import.meta.url);
  // A restarted thread starts with the rates last set, not the first ones.
  let pricing = options.pricing ?? {};
  const threadOptions = (): ThreadOptions => ({
    file: options.file,
    pricing,
    ...(options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }),
    ...(options.maxMb === undefined ? {} : { maxMb: options.maxMb }),
    ...(options.captureRetentionHours === undefined
      ? {}
      : { captureRetentionHours: options.captureRetentionHours }),
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
  });
  let requests: RequestRecord[] = [];
  let tunnels: TunnelInput[] = [];
  // [index in requests, capture], and their characters: captures ride with their records.
  let captures: [number, Capture][] = [];
  let captureChars = 0;
  let timer: NodeJS.Timeout | undefined;
  let timerArmed = false;
  let nextId = 0;
  const waiting = new Map<number, Waiting>();
  const crashes: number[] = [];
  let closing: Promise<void> | undefined;
  let worker: Worker | undefined;

  const post = (message: ToThread): boolean => {
    if (worker === undefined) return false;
    worker.postMessage(message);
    return true;
  };

  const send = (): void => {
    timerArmed = false;
    if (requests.length + tunnels.length === 0) return;
    post({ type: 'write', requests, tunnels, captures });
    requests = [];
    tunnels = [];
    if (captures.length > 0) {
      captures = [];
      captureChars = 0;
    }
  };

  // One Timeout for the handle's life, re-armed with refresh(): a batch allocates no timer.
  const arm = (): void => {
    if (timerArmed) return;
    timerArmed = true;
    if (timer === undefined) timer = setTimeout(send, BATCH_MS).unref();
    else timer.refresh();
  };

  const queued = (): void => {
    if (requests.length + tunnels.length >= BATCH_ROWS || captureChars >= BATCH_CAPTURE_CHARS) {
      send();
    } else arm();
  };

  // Calls hold the process open until answered; writes alone never do (see the header).
  const settle = (id: number, run: (entry: Waiting) => void): void => {
    const entry = waiting.get(id);
    if (entry === undefined) return;
    waiting.delete(id);
    if (waiting.size === 0) worker?.unref();
    run(entry);
  };

  const start = (): void => {
    let thread: Worker;
    try {
      thread = new Worker(entry, { workerData: threadOptions() });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      onProblem(`history: the writer thread for ${options.file} could not start (${reason})`);
      return;
    }
    thread.unref();
    let failure = '';
    thread.on('message', (value: unknown) => {
      const message = parseFromThread(value);
      if (message === undefined) {
        onProblem('history: the writer thread sent a message that is not one; it was ignored');
      } else if (message.type === 'problem') {
        onProblem(message.message);
      } else if (message.ok) {
        const { value: result } = message;
        settle(message.id, (entry) => {
          entry.answer(result);
        });
      } else {
        const { message: text } = message;
        settle(message.id, (entry) => {
          entry.reject(new Error(text));
        });
      }
    });
    thread.on('error', (err: Error) => {
      failure = err.message;
    });
    thread.on('exit', (code: number) => {
      if (worker === thread) worker = undefined;
      const lost = new Error(`history: the writer thread stopped${failure ? `: ${failure}` : ''}`);
      for (const id of [...waiting.keys()])
        settle(id, (waiter) => {
          waiter.reject(lost);
        });
      if (closing !== undefined) return;
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && (crashes[0] ?? now) < now - RESTART_WINDOW_MS) crashes.shift();
      if (crashes.length > RESTART_LIMIT) {
        onProblem(
          `history: the writer thread for ${options.file} keeps stopping (exit code ${code}${failure ? `, ${failure}` : ''}); history is off until memex restarts`,
        );
        return;
      }
      onProblem(
        `history: the writer thread for ${options.file} stopped (exit code ${code}${failure ? `, ${failure}` : ''}); it was restarted, and the batch it was writing is lost`,
      );
      start();
    });
    worker = thread;
  };

  const call = <T>(request: Call, parse: (value: unknown) => T | undefined): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      if (!post({ type: 'call', id, call: request })) {
        reject(new Error(`history: ${options.file} is not available (the writer thread is off)`));
        return;
      }
      worker?.ref();
      const answer = (value: unknown): void => {
        const parsed = parse(value);
        if (parsed === undefined)
          reject(new Error('history: the writer thread sent a malformed reply'));
        else resolve(parsed);
      };
      waiting.set(id, { answer, reject });
    });

  // A read sees every exchange added before it: the waiting batch goes first (messages to the
  // thread are handled in order).
  const read = <T>(request: Call, parse: (value: unknown) => T | undefined): Promise<T> => {
    send();
    return call(request, parse);
  };

  // Resolves whatever happens: flush and close never reject.
  const quietly = (promise: Promise<unknown>): Promise<void> =>
    promise.then(
      () => undefined,
      () => undefined,
    );

  start();

  return {
    add(record, capture) {
      if (closing !== undefined) return;
      requests.push(record);
      if (capture !== undefined) {
        captures.push([requests.length - 1, capture]);
        captureChars += sizeOfCapture(capture);
      }
      queued();
    },
    addTunnel(tunnel) {
      if (closing !== undefined) return;
      tunnels.push(tunnel);
      queued();
    },
    query: (filter) => read({ method: 'query', filter }, parsePage),
    count: (filter) => read({ method: 'count', filter }, parseCount),
    totals: (filter) => read({ method: 'totals', filter }, parseTotals),
    dayTotals: (sinceDay) => read({ method: 'dayTotals', sinceDay }, parseDayTotalsMap),
    detail: (id) => read({ method: 'detail', id }, parseDetail),
    captures: (ids) =>
      ids.length > MAX_CAPTURES_PER_CALL
        ? Promise.reject(
            new Error(`history: at most ${MAX_CAPTURES_PER_CALL} captures are read at once`),
          )
        : read({ method: 'captures', ids }, parseCaptureMap),
    importUsage: (snapshot) => call({ method: 'importUsage', snapshot }, parseImportResult),
    setPricing: async (next) => {
      pricing = next;
      await call({ method: 'setPricing', pricing: next }, parseNothing);
    },
    clear: async () => {
      requests = [];
      tunnels = [];
      captures = [];
      captureChars = 0;
      await call({ method: 'clear' }, parseNothing);
    },
    flush() {
      send();
      return quietly(call({ method: 'flush' }, parseNothing));
    },
    stats: () => call({ method: 'stats' }, parseStats),
    close() {
      if (closing !== undefined) return closing;
      send();
      if (timer !== undefined) clearTimeout(timer);
      const thread = worker;
      closing = (async () => {
        if (thread === undefined) return;
        const exited = new Promise<void>((resolve) =>
          thread.once('exit', () => {
            resolve();
          }),
        );
        thread.ref();
        const closed = quietly(call({ method: 'close' }, parseNothing)).then(() => exited);
        let guard: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => {
          guard = setTimeout(resolve, CLOSE_TIMEOUT_MS);
        });
        await Promise.race([closed, late]);
        clearTimeout(guard);
        await thread.terminate();
      })();
      return closing;
    },
  };
}
