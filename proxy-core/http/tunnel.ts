// CONNECT tunnels (RFC 9110 §9.3.6), once routed and admitted (dispatch.ts): dial, answer 200,
// splice the two sockets, tear both down together. memex sees only the host of a tunnel, never
// its (TLS) bytes.
//
//   client ──CONNECT host:port──▶ memex ──TCP──▶ host:port
//   client ◀──200 Connection Established──
//   client ◀══════════ bytes both ways, untouched ══════════▶ host:port
//   error or close on either side ──▶ both destroyed

import { connect, type LookupFunction, type Socket } from 'node:net';
import type { Timeouts } from '../config/config.js';
import { errnoOf, toProxyErrorCode } from '../errors.js';
import type { Stats } from '../stats.js';
import { UNKNOWN_ORIGIN, type ClientRef } from '../../shared/who.js';
import type { ConnectionOrigin } from './attribution.js';
import type { HistorySink } from '../history/history.js';
import { sendRawError } from './reply.js';
import type { Authority } from './route.js';
import { classifyHost } from './schema.js';
import { destroySocket, splice } from './sockets.js';

/** How tunnels dial; part of the compiled config. */
export interface TunnelDial {
  readonly timeouts: Timeouts;
  /** Resolves the target's name for the dial (destinations.ts refuses private addresses). */
  readonly lookup?: LookupFunction;
}

/**
 * Opens one tunnel to `target`. `head` holds bytes the client sent right after the CONNECT head
 * (in the same packet): they go upstream once the tunnel is open, and are dropped if the dial
 * fails. `open` holds both sockets of live tunnels so shutdown can end them (the upstream's
 * until it has closed, when the tunnel is recorded); `who` opened it (the CONNECT
 * head's client, the connection's origin and the proxy user admitted), counted when it closes.
 */
export function openTunnel(
  client: Socket,
  head: Buffer,
  target: Authority,
  dial: TunnelDial,
  stats: Stats,
  open: Set<Socket>,
  who: {
    readonly client: ClientRef;
    readonly origin: ConnectionOrigin;
    /** The proxy user whose credentials admitted the CONNECT, or null. */
    readonly user: string | null;
    readonly history: HistorySink | null;
  },
): void {
  client.on('error', destroySocket);
  // The server's idle timeout is for HTTP exchanges; the tunnel has its own, on the upstream side.
  client.setTimeout(0);
  const upstream = connect({
    host: target.host,
    port: target.port,
    noDelay: true,
    ...(dial.lookup === undefined ? {} : { lookup: dial.lookup }),
  });
  open.add(client);
  open.add(upstream);
  upstream.once('close', () => {
    open.delete(upstream);
  });
  const connectTimer = setTimeout(() => {
    upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
  }, dial.timeouts.connect_ms);
  connectTimer.unref();

  let opened = false;
  upstream.on('error', (err) => {
    clearTimeout(connectTimer);
    // After the 200 the paired 'close' handlers end both sides; before it, answer with an error.
    if (!opened) {
      stats.tunnelFailed();
      const errno = errnoOf(err);
      const authority = target.host.includes(':')
        ? `[${target.host}]:${target.port}`
        : `${target.host}:${target.port}`;
      sendRawError(
        client,
        toProxyErrorCode(err),
        `CONNECT to ${authority} failed: ${errno === undefined ? err.message : errno}`,
      );
    }
  });

  upstream.once('connect', () => {
    clearTimeout(connectTimer);
    if (client.destroyed) {
      upstream.destroy();
      return;
    }
    opened = true;
    const schema = classifyHost(target.host);
    const openedAt = performance.now();
    stats.tunnelOpened(target.host, schema, who.user);
    client.setNoDelay(true);
    upstream.setTimeout(dial.timeouts.tunnel_idle_ms, () => upstream.destroy());
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    splice(client, upstream);
    upstream.once('close', () => {
      const bytesIn = upstream.bytesWritten;
      const bytesOut = upstream.bytesRead;
      const durationMs = Math.round((performance.now() - openedAt) * 100) / 100;
      const time = Math.round(Date.now() - durationMs);
      stats.tunnelClosed(bytesIn, bytesOut);
      who.origin.whenKnown(() => {
        const origin = who.origin.origin ?? UNKNOWN_ORIGIN;
        const user = who.user === null ? {} : { user: who.user };
        const tunnel = { client: who.client, origin, host: target.host, schema, ...user };
        stats.tunnelAttributed({ ...tunnel, time, durationMs, bytesIn, bytesOut });
        who.history?.addTunnel({
          time,
          host: target.host,
          schema,
          bytesIn,
          bytesOut,
          durationMs,
          client: who.client,
          project: origin.project,
          ...user,
        });
      });
    });
  });

  client.once('close', () => {
    open.delete(client);
    if (upstream.connecting) upstream.destroy();
  });
}
