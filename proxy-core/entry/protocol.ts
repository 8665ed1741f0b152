// Messages between the Electron main process and the proxy worker; main imports these types with
// `import type`, so both sides agree at compile time, and the worker validates what arrives.

import type { Config } from '../config/config.js';
import type { StatsSnapshot } from '../stats.js';

/** Main → worker. */
export type MainMessage =
  | {
      readonly type: 'start';
      readonly config: Config;
      /** Token totals kept by the tray app (a UsageSnapshot), so today survives a restart. */
      readonly usage?: unknown;
    }
  | { readonly type: 'reload'; readonly config: Config }
  | { readonly type: 'stop' };

/** Worker → main. */
export type WorkerMessage =
  | { readonly type: 'listening'; readonly host: string; readonly port: number }
  | { readonly type: 'stats'; readonly snapshot: StatsSnapshot }
  | {
      readonly type: 'error';
      /**
       * A ListenError code; `BAD_MESSAGE` for a message that is not a MainMessage;
       * `CONFIG_INVALID` for a reload that could not be applied (the last good config keeps
       * running); `WORKER_ERROR` for anything else.
       */
      readonly code: string;
      readonly message: string;
      /** True when the worker cannot run until the user acts (port in use, bad config). */
      readonly fatal: boolean;
    }
  | { readonly type: 'stopped' };

/** Stats snapshots go to main at most this often, and only when something changed. */
export const STATS_INTERVAL_MS = 250;

/** Validates a message from main; null when it is not one. */
export function parseMainMessage(value: unknown): MainMessage | null {
  if (typeof value !== 'object' || value === null || !('type' in value)) return null;
  const message = value as { type: unknown; config?: unknown; usage?: unknown };
  switch (message.type) {
    case 'stop':
      return { type: 'stop' };
    case 'start':
      if (!isConfigShape(message.config)) return null;
      // The usage seed stays unknown here: Stats.seedUsage validates it part by part.
      return message.usage === undefined
        ? { type: 'start', config: message.config }
        : { type: 'start', config: message.config, usage: message.usage };
    case 'reload':
      return isConfigShape(message.config) ? { type: message.type, config: message.config } : null;
    default:
      return null;
  }
}

function isConfigShape(value: unknown): value is Config {
  if (typeof value !== 'object' || value === null) return false;
  const config = value as Record<string, unknown>;
  return (
    typeof config['host'] === 'string' &&
    typeof config['port'] === 'number' &&
    typeof config['upstreams'] === 'object' &&
    config['upstreams'] !== null &&
    (config['connect_ports'] === null || Array.isArray(config['connect_ports'])) &&
    typeof config['timeouts'] === 'object' &&
    config['timeouts'] !== null
  );
}
