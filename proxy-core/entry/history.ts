// The history a running proxy keeps, across config reloads: opened when the config names a file,
// reopened when its file, retention, size cap or capture retention changes, closed when the config drops it; its
// prices follow the config's. memex-proxy and the tray's worker both keep theirs this way.

import { isDeepStrictEqual } from 'node:util';
import { createHistory, type History } from '../history/history.js';
import type { Config } from '../config/config.js';

/** The writer thread's bundle, next to the entry's own (build/proxy.ts). */
export const HISTORY_THREAD = new URL('./history-thread.cjs', import.meta.url);

export interface HistoryKeeper {
  /** The history now kept, or null. */
  readonly current: History | null;
  /**
   * Follows `config`; resolves once a history it replaced is closed. Returns whether `current`
   * changed (the proxy must be told: Proxy.useHistory).
   */
  apply(config: Config): Promise<boolean>;
  close(): Promise<void>;
}

/** Keeps history as configs say; `onProblem` hears each problem once, naming the file. */
export function keepHistory(
  onProblem: (message: string) => void,
  thread: URL | string = HISTORY_THREAD,
): HistoryKeeper {
  let current: History | null = null;
  let key = '';
  let pricing: Config['pricing'] = {};
  return {
    get current() {
      return current;
    },
    async apply(config) {
      const { path, retention_days: retentionDays, max_mb: maxMb } = config.history;
      const captureRetentionHours = config.inspector.retention_hours;
      const nextKey =
        path === null ? '' : JSON.stringify([path, retentionDays, maxMb, captureRetentionHours]);
      if (nextKey === key) {
        if (current !== null && !isDeepStrictEqual(config.pricing, pricing)) {
          // A thread that cannot take the new rates has said why through onProblem already.
          await current.setPricing(config.pricing).catch(() => undefined);
        }
        pricing = config.pricing;
        return false;
      }
      const before = current;
      key = nextKey;
      pricing = config.pricing;
      current =
        path === null
          ? null
          : createHistory({
              file: path,
              retentionDays,
              maxMb,
              captureRetentionHours,
              pricing,
              onProblem,
              thread,
            });
      await before?.close();
      return true;
    },
    async close() {
      const closing = current;
      current = null;
      key = '';
      await closing?.close();
    },
  };
}
