// CONNECT tunnels (RFC 9110 §9.3.6): dial, answer 200, splice the two sockets, tear both down
// together. memex sees only the host of a tunnel, never its (TLS) bytes.
//
//   client ──CONNECT host:port──▶ memex ──TCP──▶ host:port
//   client ◀──200 Connection Established──
//   client ◀══════════ bytes both ways, untouched ══════════▶ host:port
//   error or close on either side ──▶ both destroyed

import type { IncomingMessage } from 'node:http';
import { connect, type LookupFunction, type Socket } from 'node:net';
import { errnoOf, toProxyErrorCode } from '../errors.js';
import { sendRawError } from './reply.js';
import { classifyHost } from './schema.js';
import type { Stats } from '../stats.js';
import type { Timeouts } from '../config/config.js';

export interface TunnelPolicy {
  /** Ports a CONNECT may reach; null allows any. */
  readonly connectPorts: ReadonlySet<number> | null;
  readonly timeouts: Timeouts;
  /** Resolves the target's name for the dial (destinations.ts refuses private addresses). */
  readonly lookup?: LookupFunction;
}

/** Parses a CONNECT authority (`host:port`, `[v6]:port`); null when malformed. */
export function parseAuthority(authority: string): { host: string; port: number } | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/?#@[\]]+)):(\d{1,5})$/.exec(authority);
  if (match === null) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  const host = match[1] ?? match[2];
  return host === undefined ? null : { host, port };
}

/**
 * Handles one CONNECT. `head` holds bytes the client sent right after the CONNECT head (in the
 * same packet): they go upstream once the tunnel is open, and are dropped if it is refused.
 * `open` tracks live tunnels so shutdown can end them.
 */
export function handleConnect(
  req: IncomingMessage,
  client: Socket,
  head: Buffer,
  policy: TunnelPolicy,
  stats: Stats,
  open: Set<Socket>,
): void {
  client.on('error', destroySelf);
  // The server's idle timeout is for HTTP exchanges; the tunnel has its own, on the upstream side.
  client.setTimeout(0);
  const authority = req.url ?? '';
  const target = parseAuthority(authority);
  if (target === null) {
    stats.tunnelFailed();
    sendRawError(
      client,
      'BAD_REQUEST',
      `CONNECT target "${authority.slice(0, 200)}" is not host:port`,
    );
    return;
  }
  if (policy.connectPorts !== null && !policy.connectPorts.has(target.port)) {
    stats.tunnelFailed();
    sendRawError(
      client,
      'CONNECT_PORT_FORBIDDEN',
      `CONNECT to port ${target.port} is not allowed; allowed ports: ` +
        `${[...policy.connectPorts].join(', ')} (--connect-ports / connect_ports)`,
    );
    return;
  }

  const upstream = connect({
    host: target.host,
    port: target.port,
    noDelay: true,
    ...(policy.lookup === undefined ? {} : { lookup: policy.lookup }),
  });
  open.add(client);
  const connectTimer = setTimeout(() => {
    upstream.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' }));
  }, policy.timeouts.connect_ms);
  connectTimer.unref();

  let opened = false;
  upstream.on('error', (err) => {
    clearTimeout(connectTimer);
    // After the 200 the paired 'close' handlers end both sides; before it, answer with an error.
    if (!opened) {
      stats.tunnelFailed();
      const code = toProxyErrorCode(err);
      const errno = errnoOf(err);
      sendRawError(
        client,
        code,
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
    stats.tunnelOpened(target.host, classifyHost(target.host));
    client.setNoDelay(true);
    upstream.setTimeout(policy.timeouts.tunnel_idle_ms, () => upstream.destroy());
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
    // Paired teardown: whichever side ends first ends the other. A clean close lets the other
    // side flush what it still holds (destroySoon); an error cuts it at once.
    client.once('close', (hadError) => {
      if (hadError) upstream.destroy();
      else upstream.destroySoon();
    });
    upstream.once('close', (hadError) => {
      if (hadError) client.destroy();
      else client.destroySoon();
      stats.tunnelClosed(upstream.bytesWritten, upstream.bytesRead);
    });
  });

  client.once('close', () => {
    open.delete(client);
    if (upstream.connecting) upstream.destroy();
  });
}

function destroySelf(this: Socket): void {
  this.destroy();
}
