// What each platform's origin finder gives the lookup: the processes at the client ends of a
// batch of connections, found in one scan, and a way to describe each.

import type { Connection } from './address.js';

/** A process as the views name it, and where its project is looked for. */
export interface ProcessInfo {
  readonly name: string;
  /** Its working directory; null where it cannot be read cheaply (Windows). */
  readonly cwd: string | null;
  /** The directory whose enclosing git work tree is its project: the cwd where known. */
  readonly directory: string | null;
}

/** The process holding a connection's client end. */
export interface Owner {
  readonly pid: number;
  /** Reads its name and directories (using what the scan already learned); null if gone. */
  describe(): Promise<ProcessInfo | null>;
}

export interface Scan {
  /** By connection key (address.ts); connections without a known owner are absent. */
  readonly owners: ReadonlyMap<string, Owner>;
  /** Whether the scan walked every process (Linux: the fds of all of /proc). */
  readonly full: boolean;
}

export interface OriginSource {
  /** Finds the owners of all `connections` in one pass over the system's tables. */
  scan(connections: readonly Connection[]): Promise<Scan>;
}
