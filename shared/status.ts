// What the tray shows about the proxy: the supervisor's state machine, as plain data. The menu,
// the tooltip and the dashboard are pure functions of it.

/** Supervisor state (DESIGN.md, Supervision). */
export type ProxyStatus =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'starting' }
  | { readonly kind: 'running'; readonly host: string; readonly port: number }
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
      readonly code: string;
      readonly reason: string;
      /** The port the proxy tried, for "Port 8080 is in use". */
      readonly port?: number;
    };
