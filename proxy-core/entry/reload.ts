// Applying a new config to a running proxy without dropping connections in flight: upstreams,
// timeouts, credentials, CONNECT ports and TLS files apply to new requests in place; a new host
// or port re-listens, the old listener closing (and draining) only after the new one is up.

import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../config/config.js';
import { createProxy, type Proxy } from '../http/server.js';

/**
 * What a config change needs: nothing, an in-place update, or a new listener. A config with TLS
 * is always updated: its files are read again, since a renewed certificate (certbot) comes with
 * the same paths.
 */
export function planReload(current: Config, next: Config): 'none' | 'update' | 'relisten' {
  if (current.host !== next.host || current.port !== next.port) return 'relisten';
  if (next.tls !== null) return 'update';
  // Structural, so two configs that differ only in key order (a file's upstreams reordered)
  // are the same config.
  return isDeepStrictEqual(current, next) ? 'none' : 'update';
}

/**
 * Applies `next` and resolves with the proxy now serving (the same one, or a new one sharing its
 * stats). If the new address cannot be listened on, the old proxy keeps serving and this rejects.
 */
export async function applyConfig(proxy: Proxy, current: Config, next: Config): Promise<Proxy> {
  switch (planReload(current, next)) {
    case 'none':
      return proxy;
    case 'update':
      await proxy.update(next);
      return proxy;
    case 'relisten': {
      const fresh = await createProxy(next, proxy.stats);
      void proxy.close();
      return fresh;
    }
  }
}
