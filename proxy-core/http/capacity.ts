// Connection limits from the process's file-descriptor limit: each proxied connection holds two
// descriptors (client and upstream), so accepting past half the limit would end in EMFILE for
// someone. Linux exposes the limit in /proc/self/limits; elsewhere no cap is set.

import { readFileSync } from 'node:fs';

// Descriptors kept for everything else: the listener, config watchers, the worker's IPC, logs.
const RESERVED_FDS = 64;

/** The soft "Max open files" limit from /proc/self/limits text; null when absent or unlimited. */
export function parseOpenFilesLimit(limits: string): number | null {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (match?.[1] === undefined || match[1] === 'unlimited') return null;
  return Number(match[1]);
}

/** The most client connections to accept with `openFiles` descriptors; null for no cap. */
export function toMaxConnections(openFiles: number | null): number | null {
  if (openFiles === null) return null;
  return Math.max(16, Math.floor((openFiles - RESERVED_FDS) / 2));
}

/** This process's connection cap, read once at start-up; null where the limit is unknown. */
export function readMaxConnections(): number | null {
  try {
    return toMaxConnections(parseOpenFilesLimit(readFileSync('/proc/self/limits', 'utf8')));
  } catch {
    return null;
  }
}
