// WebSocket upgrades (RFC 6455 §4, RFC 9110 §7.8), once routed and admitted as any request
// (dispatch.ts): the handshake goes upstream with its Upgrade, Connection and Sec-WebSocket-*
// headers; a 101 comes back as the upstream wrote it and the two sockets are spliced; any other
// answer is relayed as an HTTP response (Codex falls back to POST on a 426).
//
//   client ──GET, Upgrade: websocket──▶ memex ──same handshake, Host rewritten──▶ upstream
//   client ◀──101, headers as sent────────────────────────────────────────────── upstream
//   client ◀══════════ frames both ways, byte for byte (sockets.ts splice) ════════▶ upstream
//                └─ then usage/websocket.ts reads a copy of the server's frames
//   close or error on either side ──▶ both ended; idle past websocket_idle_ms ──▶ both ended
//
// memex negotiates nothing: extensions and subprotocols are the two ends' business.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Stats } from '../stats.js';
import { readHeadLimits } from '../observe/response.js';
import { createWebSocketReader, type CarriedResponse } from '../usage/websocket.js';
import { Exchange, type ExchangeContext, type WhoFields } from './exchange.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import { relay } from './relay.js';
import { destroySocket, splice } from './sockets.js';

/** Whether a request asks for a WebSocket (RFC 6455 §4.1: Upgrade: websocket, on a GET). */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const upgrade = req.headers.upgrade;
  return upgrade !== undefined && upgrade.trim().toLowerCase() === 'websocket';
}

/**
 * The HTTP side of an upgrade request: an Exchange written straight onto the client's socket,
 * which Node has handed over, so that refusals, 502s and non-101 answers go out (and are
 * recorded) as for any request. The connection closes after such an answer.
 */
export function upgradeExchange(req: IncomingMessage, socket: Socket): Exchange | undefined {
  socket.on('error', destroySocket);
  const res = new Exchange(req);
  res.shouldKeepAlive = false;
  try {
    res.assignSocket(socket);
  } catch {
    // A response of an earlier request still owns the socket (a pipelined upgrade).
    socket.destroy();
    return undefined;
  }
  res.once('finish', () => {
    socket.destroySoon();
  });
  return res;
}

/** What splicing needs besides the two sockets. */
export interface Splice {
  readonly stats: Stats;
  readonly idleMs: number;
  /** Open WebSockets (their client sockets), so shutdown can end them. */
  readonly open: Set<Socket>;
}

/**
 * Sends the upgrade upstream through relay() and, on a 101, splices the sockets. `head` holds
 * bytes the client sent right after its request head; they follow the handshake upstream.
 */
export function relayUpgrade(
  req: IncomingMessage,
  res: Exchange,
  head: Buffer,
  outgoing: Parameters<typeof relay>[2],
  splice: Splice,
): void {
  relay(req, res, outgoing, (response, upstream, upstreamHead) => {
    spliceSockets(res, req.socket, head, response, upstream, upstreamHead, splice);
  });
}

function spliceSockets(
  res: Exchange,
  client: Socket,
  clientHead: Buffer,
  response: IncomingMessage,
  upstream: Socket,
  upstreamHead: Buffer,
  { stats, idleMs, open }: Splice,
): void {
  upstream.on('error', destroySocket);
  if (client.destroyed) {
    upstream.destroy();
    return;
  }
  res.upgraded();
  res.inspection?.upgraded(response);
  readHeadLimits(response, res, Date.now());
  stats.webSocketOpened();
  open.add(client);
  const { schema } = res.context;
  const reader = createWebSocketReader(
    schema,
    response.headers['sec-websocket-extensions'],
    (carried: CarriedResponse) => {
      recordCarried(stats, carried, res.context, res.who());
    },
  );
  // The HTTP timers (server idle, response header) no longer apply: one idle timer for both
  // directions, on the upstream socket, which sees every byte either way.
  client.setTimeout(0);
  upstream.removeAllListeners('timeout');
  upstream.setTimeout(idleMs, () => {
    upstream.destroy();
  });
  client.setNoDelay(true);
  upstream.setNoDelay(true);
  client.write(handshakeHead(response));
  if (upstreamHead.length > 0) client.write(upstreamHead);
  if (clientHead.length > 0) upstream.write(clientHead);
  splice(client, upstream);
  // After splice()'s pipes: each chunk reaches the other side before the reader sees its copy.
  if (reader !== undefined) {
    if (upstreamHead.length > 0) reader.fromServer(upstreamHead);
    upstream.on('data', (chunk: Buffer) => {
      reader.fromServer(chunk);
    });
    if (reader.readsClient) {
      if (clientHead.length > 0) reader.fromClient(clientHead);
      const fromClient = (chunk: Buffer): void => {
        reader.fromClient(chunk);
        if (!reader.readsClient) client.off('data', fromClient);
      };
      client.on('data', fromClient);
    }
  }
  const cut = (): void => {
    res.upgradeCut();
  };
  client.once('error', cut);
  upstream.once('error', cut);
  let closed = 0;
  const closeOne = (): void => {
    if (++closed < 2) return;
    open.delete(client);
    reader?.close();
    stats.webSocketClosed();
  };
  client.once('close', closeOne);
  upstream.once('close', closeOne);
}

/** The upstream's 101 head as it was sent: status, header names, order and case. */
function handshakeHead(response: IncomingMessage): string {
  let head = `HTTP/1.1 101 ${response.statusMessage ?? 'Switching Protocols'}\r\n`;
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) head += `${raw[i]}: ${raw[i + 1]}\r\n`;
  return `${head}\r\n`;
}

function recordCarried(
  stats: Stats,
  { outcome, terminal, startedAt }: CarriedResponse,
  { schema, host, path, history }: ExchangeContext,
  who: WhoFields,
): void {
  const durationMs = performance.now() - startedAt;
  const record: RequestRecord = {
    time: Date.now() - durationMs,
    method: 'WS',
    host,
    path,
    schema,
    status: 101,
    complete: terminal,
    durationMs: Math.round(durationMs * 100) / 100,
    // The frames' bytes are the handshake's record's: counted there once.
    bytesIn: 0,
    bytesOut: 0,
    usage: outcome,
    ...who,
  };
  stats.responseCarried(record);
  history?.add(record);
}
