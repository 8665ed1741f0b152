// What the tray shows about the proxy: the supervisor's state machine, as plain data, and the codes
// a failure carries. The menu, the tooltip and the dashboard are pure functions of it.

/**
 * Every error code that crosses from the worker to main, and so every code a failure can show:
 * the ListenError codes (proxy-core/errors.ts) a listener that could not open reports,
 * `CONFIG_INVALID` for a config the worker (or the app, for one that never loaded) refused,
 * `BAD_MESSAGE` for a message the worker did not take, `WORKER_CRASHED` for an uncaught
 * exception or too many crashes in a row, and `WORKER_ERROR` for anything else.
 */
export const WORKER_ERROR_CODES = [
  'PORT_IN_USE',
  'ADDRESS_UNAVAILABLE',
  'PERMISSION_DENIED',
  'LISTEN_FAILED',
  'CONFIG_INVALID',
  'BAD_MESSAGE',
  'WORKER_CRASHED',
  'WORKER_ERROR',
  // A problem with the history file (full disk, locked, set aside as corrupt): never fatal.
  'HISTORY_PROBLEM',
  // The OTLP push cannot reach its collector (at most one a minute): never fatal.
  'EXPORT_PROBLEM',
] as const;

export type WorkerErrorCode = (typeof WORKER_ERROR_CODES)[number];

/** Whether `value` is one of the {@link WORKER_ERROR_CODES}. */
export function isWorkerErrorCode(value: unknown): value is WorkerErrorCode {
  return WORKER_ERROR_CODES.some((code) => code === value);
}

/** Supervisor state (DESIGN.md, Supervision). */
export type ProxyStatus =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'starting' }
  | {
      readonly kind: 'running';
      readonly host: string;
      readonly port: number;
      /** The listener serves TLS: the tray and dashboard give clients https:// addresses. */
      readonly secure?: boolean;
    }
  | { readonly kind: 'stopping' }
  | {
      /** The worker died unexpectedly; it is started again after `retryInMs`. */
      readonly kind: 'restarting';
      readonly retryInMs: number;
      /** Consecutive crashes so far (1 for the first). */
      readonly attempt: number;
      readonly lastError: string;
    }
  | {
      /** Not running until the user acts: port in use, bad config, or too many crashes. */
      readonly kind: 'failed';
      readonly code: WorkerErrorCode;
      readonly reason: string;
      /** The port the proxy tried, for "Port 8080 is in use". */
      readonly port?: number;
    };

/**
 * Whether the proxy runs or is trying to (running, starting, restarting after a crash): the
 * tray's Stop item, the tray icon's click and the dashboard's button stop it then, else start it.
 */
export function isLive(status: ProxyStatus): boolean {
  return status.kind === 'running' || status.kind === 'starting' || status.kind === 'restarting';
}
