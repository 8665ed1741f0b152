// The OTLP push a running proxy keeps, across config reloads: started when the config names an
// endpoint, restarted when the endpoint, its headers or the interval change, stopped when the
// config drops it; its prices follow the config's. memex-proxy and the tray's worker both keep
// theirs this way.

import { isDeepStrictEqual } from 'node:util';
import type { Config, OtlpConfig } from '../config/config.js';
import { startOtlpPush, type OtlpPush } from '../observe/otlp.js';
import type { Stats } from '../stats.js';

export interface OtlpKeeper {
  /** Follows `config`; resolves once a push it replaced has pushed what it had and stopped. */
  apply(config: Config): Promise<void>;
  close(): Promise<void>;
}

export function keepOtlp(
  stats: Stats,
  version: string,
  onProblem: (message: string) => void,
): OtlpKeeper {
  let current: OtlpPush | null = null;
  let settings: OtlpConfig | null = null;
  // Applies run one after another: a reload while the SDK loads waits for it.
  let queue = Promise.resolve();

  const stop = async (): Promise<void> => {
    const closing = current;
    current = null;
    settings = null;
    stats.setSink(null);
    await closing?.close();
  };

  const follow = async (config: Config): Promise<void> => {
    const { otlp, pricing } = config;
    if (isDeepStrictEqual(otlp, settings)) {
      current?.setPricing(pricing);
      return;
    }
    await stop();
    if (otlp.endpoint === null) return;
    try {
      current = await startOtlpPush({
        endpoint: otlp.endpoint,
        headers: otlp.headers,
        intervalMs: otlp.interval_ms,
        version,
        pricing,
        onProblem,
      });
    } catch (err) {
      onProblem(`OTLP push not started: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    settings = otlp;
    stats.setSink(current);
  };

  return {
    apply(config) {
      queue = queue.then(() => follow(config));
      return queue;
    },
    close() {
      queue = queue.then(stop);
      return queue;
    },
  };
}
