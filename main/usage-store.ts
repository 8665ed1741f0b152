// Daily token totals kept across worker and app restarts, in one JSON file in the app's data
// directory (userData/usage.json). Loaded once at launch (a bad file is set aside, never fatal),
// updated from every stats snapshot, pruned to a month, and written atomically (a temporary file
// in the same directory, then rename) at most once per interval while it changes, and on stop.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  DEFAULT_KEEP_DAYS,
  firstKeptDay,
  UsageTotals,
  type DayTotals,
  type UsageSnapshot,
} from '../proxy-core/usage/totals.js';
import { systemClock, type Clock } from './clock.js';

/** The file's name in the app's data directory. */
export const USAGE_FILE = 'usage.json';

/** Writes happen at most this often while totals keep changing. */
export const USAGE_WRITE_INTERVAL_MS = 10_000;

export interface UsageStoreOptions {
  /** Absolute path of the JSON file. */
  readonly file: string;
  readonly clock?: Clock;
  /** Default USAGE_WRITE_INTERVAL_MS. */
  readonly intervalMs?: number;
  /** Days kept, today included. Default DEFAULT_KEEP_DAYS (31). */
  readonly keepDays?: number;
  /** Where a bad file or a failed write is reported (stderr in the app). */
  readonly log?: (message: string) => void;
}

export interface UsageStore {
  /** Reads the file; a missing one is an empty store, a malformed one is renamed to `.bad`. */
  load(): Promise<void>;
  /** Every stored day, as the 'start' message's seed wants it. Not to be mutated. */
  snapshot(): UsageSnapshot;
  /** One day's totals (`YYYY-MM-DD`, local), if any. */
  day(key: string): DayTotals | undefined;
  /**
   * Takes a stats snapshot's `usage` (untrusted, validated): each day it carries replaces the
   * stored one, since the worker's totals already include the seed it started with.
   */
  update(usage: unknown): void;
  /** Writes now if anything changed; resolves once the file is written. */
  flush(): Promise<void>;
  /** flush(), then no more scheduled writes. */
  close(): Promise<void>;
  /**
   * The history has taken these totals in (it imports them once): no more writes, and the file
   * is renamed `usage.json.imported`, kept for a look but never read again.
   */
  retire(): Promise<void>;
}

export function createUsageStore(options: UsageStoreOptions): UsageStore {
  const { file } = options;
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? USAGE_WRITE_INTERVAL_MS;
  const keepDays = options.keepDays ?? DEFAULT_KEEP_DAYS;
  const log = options.log ?? (() => undefined);
  let days: Record<string, DayTotals> = {};
  // Each stored day as JSON, so an unchanged snapshot is recognised without a deep compare.
  const texts = new Map<string, string>();
  let dirty = false;
  let closed = false;
  let timer: unknown;
  let writing: Promise<void> = Promise.resolve();

  const prune = (): void => {
    const first = firstKeptDay(new Date(clock.now()), keepDays);
    const old = Object.keys(days).filter((key) => key < first);
    if (old.length === 0) return;
    for (const key of old) texts.delete(key);
    days = Object.fromEntries(Object.entries(days).filter(([key]) => key >= first));
    dirty = true;
  };

  const write = async (): Promise<void> => {
    if (!dirty) return;
    dirty = false;
    const text = `${JSON.stringify({ version: 1, days } satisfies UsageSnapshot)}\n`;
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(temporary, text);
      await rename(temporary, file);
    } catch (err) {
      // Kept dirty: the next change or flush tries again.
      dirty = true;
      log(`memex: could not save token totals to ${file}: ${String(err)}`);
    }
  };

  // Writes run one after another, never two at once on the same temporary file.
  const run = (): Promise<void> => {
    writing = writing.then(write);
    return writing;
  };

  const schedule = (): void => {
    if (timer !== undefined || closed) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      void run();
    }, intervalMs);
  };

  const flush = (): Promise<void> => {
    clock.clearTimeout(timer);
    timer = undefined;
    return run();
  };

  return {
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          log(`memex: could not read token totals from ${file}: ${String(err)}`);
        }
        return;
      }
      const totals = new UsageTotals();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        parsed = undefined;
      }
      const skipped = totals.merge(parsed);
      if (skipped > 0) {
        // Keep what was readable, and the file itself for a look: it is not overwritten.
        log(`memex: ${file} is malformed (${skipped} part(s) skipped); kept as ${file}.bad`);
        await rename(file, `${file}.bad`).catch(() => undefined);
      }
      totals.prune(new Date(clock.now()), keepDays);
      days = totals.snapshot().days;
      texts.clear();
      for (const [key, day] of Object.entries(days)) texts.set(key, JSON.stringify(day));
      dirty = skipped > 0;
      if (dirty) schedule();
    },
    snapshot: () => ({ version: 1, days }),
    day: (key) => days[key],
    update(usage) {
      if (closed) return;
      const incoming = new UsageTotals();
      incoming.merge(usage);
      for (const [key, day] of Object.entries(incoming.snapshot().days)) {
        const text = JSON.stringify(day);
        if (texts.get(key) === text) continue;
        days[key] = day;
        texts.set(key, text);
        dirty = true;
      }
      prune();
      if (dirty) schedule();
    },
    flush,
    close() {
      closed = true;
      return flush();
    },
    async retire() {
      closed = true;
      dirty = false;
      clock.clearTimeout(timer);
      timer = undefined;
      await writing;
      await rename(file, `${file}.imported`).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          log(`memex: could not set ${file} aside after importing it: ${String(err)}`);
        }
      });
    },
  };
}
