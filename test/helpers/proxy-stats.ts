// A proxy whose stats also announce what they record, so a test can wait for the moment an
// exchange or tunnel is counted (it is counted at close, after the client may have its bytes).

import { EventEmitter, once } from 'node:events';
import type { TestContext } from 'node:test';
import { DEFAULT_CONFIG, type Config } from '../../proxy-core/config/config.js';
import { createProxy, type Proxy, type ProxyOptions } from '../../proxy-core/http/server.js';
import { createStats, type Stats } from '../../proxy-core/stats.js';
import { type RequestRecord } from '../../shared/snapshot.js';

/**
 * Stats that emit 'requestEnded' (record, as counted), 'recorded' (record, once its origin is
 * known too), 'responseCarried' (record), 'limitsRead', 'webSocketOpened',
 * 'webSocketClosed', 'tunnelOpened', 'tunnelClosed', 'tunnelAttributed' (TunnelSeen) and
 * 'tunnelFailed'.
 */
export function createObservedStats(): { stats: Stats; events: EventEmitter } {
  const inner = createStats();
  const events = new EventEmitter();
  const stats: Stats = {
    requestStarted() {
      inner.requestStarted();
    },
    requestEnded(record, originPending) {
      inner.requestEnded(record, originPending);
      events.emit('requestEnded', record);
      if (originPending !== true) events.emit('recorded', record);
    },
    requestAttributed(record, attributed) {
      inner.requestAttributed(record, attributed);
      events.emit('recorded', attributed);
    },
    responseCarried(record) {
      inner.responseCarried(record);
      events.emit('responseCarried', record);
    },
    setSink(sink) {
      inner.setSink(sink);
    },
    limitsRead(host, fingerprint, reading, status) {
      inner.limitsRead(host, fingerprint, reading, status);
      events.emit('limitsRead', host, fingerprint, reading);
    },
    webSocketOpened() {
      inner.webSocketOpened();
      events.emit('webSocketOpened');
    },
    webSocketClosed() {
      inner.webSocketClosed();
      events.emit('webSocketClosed');
    },
    tunnelOpened(host, schema, user) {
      inner.tunnelOpened(host, schema, user);
      events.emit('tunnelOpened', host);
    },
    tunnelClosed(bytesIn, bytesOut) {
      inner.tunnelClosed(bytesIn, bytesOut);
      events.emit('tunnelClosed');
    },
    tunnelAttributed(tunnel) {
      inner.tunnelAttributed(tunnel);
      events.emit('tunnelAttributed', tunnel);
    },
    tunnelFailed() {
      inner.tunnelFailed();
      events.emit('tunnelFailed');
    },
    setPricing(pricing) {
      inner.setPricing(pricing);
    },
    seedUsage(snapshot) {
      inner.seedUsage(snapshot);
    },
    get version() {
      return inner.version;
    },
    metrics: inner.metrics,
    snapshot() {
      return inner.snapshot();
    },
  };
  return { stats, events };
}

export interface ObservedProxy {
  readonly proxy: Proxy;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly events: EventEmitter;
  /** Resolves with the next request the stats record. Call it before sending the request. */
  readonly nextRecord: () => Promise<RequestRecord>;
  /** Resolves with the next request once attributed (its connection's origin known). */
  readonly nextAttributed: () => Promise<RequestRecord>;
}

/** Starts a proxy on 127.0.0.1 port 0 with observed stats; closed when the test ends. */
export async function startObservedProxy(
  t: TestContext,
  overrides: Partial<Config> = {},
  options: ProxyOptions = {},
): Promise<ObservedProxy> {
  const { stats, events } = createObservedStats();
  const proxy = await createProxy(
    { ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, ...overrides },
    stats,
    options,
  );
  t.after(() => proxy.close(0));
  const port = proxy.address().port;
  return {
    proxy,
    port,
    url: `http://127.0.0.1:${port}`,
    events,
    async nextRecord() {
      const [record] = (await once(events, 'requestEnded')) as [RequestRecord];
      return record;
    },
    async nextAttributed() {
      const [record] = (await once(events, 'recorded')) as [RequestRecord];
      return record;
    },
  };
}
