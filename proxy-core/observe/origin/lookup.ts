// Who is at the other end of a client connection from this machine (issue 16): the process
// that opened it, its working directory and its project. Lookups are batched so the work stays
// bounded however many connections an agent opens:
//
//   lookup ─▶ queue ──at most SCANS_PER_SECOND──▶ one scan for the whole batch (source.ts)
//                                                   └─▶ per owner: process (cached per pid)
//                                                        └─▶ project (cached per directory)
//
// A lookup never rejects and settles within LOOKUP_TIMEOUT_MS with what was found by then.

import {
  UNKNOWN_ORIGIN,
  type Origin,
  type ProcessRef,
  type ProjectRef,
} from '../../../shared/who.js';
import { toConnectionKey, type Connection } from './address.js';
import { ExpiringCache } from './cache.js';
import { createDarwinSource } from './darwin.js';
import { createLinuxSource } from './linux.js';
import { loadProject } from './project.js';
import type { OriginSource, Owner, ProcessInfo, Scan } from './source.js';
import { createWindowsSource } from './windows.js';

export type { Connection } from './address.js';

/** Scans started per second at most; lookups arriving meanwhile wait for the next one. */
export const SCANS_PER_SECOND = 4;
export const MIN_SCAN_INTERVAL_MS = 1_000 / SCANS_PER_SECOND;

/** A lookup settles within this, with whatever it has found by then. */
export const LOOKUP_TIMEOUT_MS = 2_000;

/** How long a process's name and cwd are reused; short, as pids are reused. */
export const PROCESS_TTL_MS = 10_000;

/** How long a directory's project is reused (a branch checked out shows after this). */
export const PROJECT_TTL_MS = 5_000;

/** Entries kept per cache. */
export const CACHE_LIMIT = 512;

export interface OriginLookupOptions {
  /** Whose tools to use; default `process.platform`. Other than linux, darwin, win32: none. */
  readonly platform?: NodeJS.Platform;
  /** Linux's /proc (a fake tree in tests); default `/proc`. */
  readonly procRoot?: string;
  /** Finds owners instead of the platform's finder. */
  readonly source?: OriginSource;
  /** A monotonic clock in ms, for the scan rate and the caches; default `performance.now`. */
  readonly now?: () => number;
}

export interface OriginCounts {
  /** Scans run: one read of the connection tables per batch of lookups. */
  readonly scans: number;
  /** Those of them that walked every process. */
  readonly fullScans: number;
}

export interface OriginLookup {
  /** The origin of a connection from this machine; `user` is always null here. */
  lookup(connection: Connection): Promise<Origin>;
  counts(): OriginCounts;
  /** Settles every pending lookup with what it has and answers later ones UNKNOWN_ORIGIN. */
  close(): void;
}

interface Pending {
  readonly connection: Connection;
  readonly key: string;
  process: ProcessRef | null;
  project: ProjectRef | null;
  /** Null once settled. */
  finish: ((origin: Origin) => void) | null;
}

/**
 * A lookup of connections' origins with the platform's tools (Linux /proc, macOS lsof,
 * Windows PowerShell); close it to settle what is pending.
 */
export function createOriginLookup(options: OriginLookupOptions = {}): OriginLookup {
  const now = options.now ?? (() => performance.now());
  const source =
    options.source ?? toSource(options.platform ?? process.platform, options.procRoot ?? '/proc');
  const processes = new ExpiringCache<number, Promise<ProcessInfo | null>>(
    PROCESS_TTL_MS,
    CACHE_LIMIT,
  );
  const projects = new ExpiringCache<string, Promise<ProjectRef | null>>(
    PROJECT_TTL_MS,
    CACHE_LIMIT,
  );
  const open = new Set<Pending>();
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | null = null;
  let scanning = false;
  let lastScan = -Infinity;
  let closed = false;
  let scans = 0;
  let fullScans = 0;

  const settle = (pending: Pending): void => {
    const finish = pending.finish;
    if (finish === null) return;
    pending.finish = null;
    open.delete(pending);
    finish({ process: pending.process, project: pending.project, user: null });
  };

  const schedule = (): void => {
    if (scanning || timer !== null || queue.length === 0 || closed) return;
    // Even with no scan for a while, wait a turn of the event loop: connections accepted
    // together (an agent's parallel requests) then share the scan.
    const wait = Math.max(0, lastScan + MIN_SCAN_INTERVAL_MS - now());
    timer = setTimeout(() => {
      timer = null;
      void scan();
    }, wait);
  };

  const scan = async (): Promise<void> => {
    const batch = queue.filter((pending) => pending.finish !== null);
    queue = [];
    if (source === null || batch.length === 0) return;
    scanning = true;
    lastScan = now();
    scans++;
    const connections = batch.map((pending) => pending.connection);
    const result = await withTimeout(() => source.scan(connections));
    scanning = false;
    if (result?.full === true) fullScans++;
    for (const pending of batch) void complete(pending, result?.owners.get(pending.key));
    schedule();
  };

  const complete = async (pending: Pending, owner: Owner | undefined): Promise<void> => {
    if (owner !== undefined) {
      const info = await describe(owner);
      if (info !== null) {
        pending.process = { pid: owner.pid, name: info.name, cwd: info.cwd };
        if (info.directory !== null) pending.project = await findProject(info.directory);
      }
    }
    settle(pending);
  };

  const describe = (owner: Owner): Promise<ProcessInfo | null> => {
    const time = now();
    const cached = processes.get(owner.pid, time);
    if (cached !== undefined) return cached;
    // A source's describe that throws instead of rejecting is caught all the same.
    const info = Promise.resolve()
      .then(() => owner.describe())
      .catch(() => null);
    return processes.set(owner.pid, info, time);
  };

  const findProject = (directory: string): Promise<ProjectRef | null> => {
    const time = now();
    const cached = projects.get(directory, time);
    return (
      cached ??
      projects.set(
        directory,
        loadProject(directory).catch(() => null),
        time,
      )
    );
  };

  return {
    lookup(connection) {
      const { clientAddress, clientPort, proxyAddress, proxyPort } = connection;
      const key = toConnectionKey(clientAddress, clientPort, proxyAddress, proxyPort);
      if (source === null || closed || key === null) return Promise.resolve(UNKNOWN_ORIGIN);
      return new Promise((resolve) => {
        const pending: Pending = { connection, key, process: null, project: null, finish: null };
        const deadline = setTimeout(() => {
          settle(pending);
        }, LOOKUP_TIMEOUT_MS);
        pending.finish = (origin) => {
          clearTimeout(deadline);
          resolve(origin);
        };
        open.add(pending);
        queue.push(pending);
        schedule();
      });
    },
    counts: () => ({ scans, fullScans }),
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      queue = [];
      for (const pending of open) settle(pending);
    },
  };
}

function toSource(platform: NodeJS.Platform, procRoot: string): OriginSource | null {
  if (platform === 'linux') return createLinuxSource(procRoot);
  if (platform === 'darwin') return createDarwinSource();
  if (platform === 'win32') return createWindowsSource();
  return null;
}

/**
 * The scan's result, or null if it fails (even by throwing) or outlasts a lookup: a hung scan
 * must not hold back the next batch.
 */
async function withTimeout(start: () => Promise<Scan>): Promise<Scan | null> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      resolve(null);
    }, LOOKUP_TIMEOUT_MS);
  });
  try {
    const scan = Promise.resolve().then(start);
    return await Promise.race([scan.catch(() => null), expired]);
  } finally {
    clearTimeout(timer);
  }
}
