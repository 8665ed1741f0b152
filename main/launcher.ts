// How the supervisor sees a worker process, whoever started it: Electron's utilityProcess in the
// app (launcher-electron.ts), node:child_process.fork in tests (test/helpers/launcher-node.ts); and
// the environment a worker is given.

import type { MainMessage } from '../proxy-core/entry/protocol.js';

/** How a worker process ended. */
export interface WorkerExit {
  /** Exit code; null when a signal ended it (child_process only: Electron always has a code). */
  readonly code: number | null;
  /** For people: "exited with code 1", "killed by SIGKILL", "V8 fatal error at …". */
  readonly reason: string;
}

/** One running worker. Every method is safe to call after the process has gone. */
export interface WorkerProcess {
  /** The OS process id; undefined until it has spawned, or if it never did. */
  readonly pid: number | undefined;
  /** Sends a message; dropped silently if the process is gone (its exit is reported anyway). */
  send(message: MainMessage): void;
  /** Ends the process at once (the hard stop: the soft one is a `stop` message). */
  kill(): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called exactly once, when the process is gone or could not be started at all. */
  onExit(listener: (exit: WorkerExit) => void): void;
}

/** Starts the worker script `entry` with exactly the environment `env`. */
export type Launcher = (entry: string, env: Record<string, string>) => WorkerProcess;

/**
 * Variables that would send the worker's own upstream traffic through a proxy: memex itself, once
 * a user has pointed their shell at it. NODE_USE_ENV_PROXY makes Node ≥ 24 honour the others.
 */
export const PROXY_ENV_NAMES: readonly string[] = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'ALL_PROXY',
  'NO_PROXY',
  'NODE_USE_ENV_PROXY',
];

/**
 * The environment for a worker: `env` without the proxy variables (in any letter case, as
 * programs read both `HTTP_PROXY` and `http_proxy`, and Windows names are case-insensitive) and
 * without unset entries.
 */
export function toWorkerEnv(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || PROXY_ENV_NAMES.includes(name.toUpperCase())) continue;
    result[name] = value;
  }
  return result;
}
