// Relays one HTTP exchange with node:http's own client, for reverse and forward mode alike.
//
//   client ──request──▶ dispatch.ts (route, admit) ─▶ outgoing.ts ──http.request──▶ upstream
//   client ◀──headers── hop-by-hop stripped; flushed at once for streams ◀───────── upstream
//   client ◀══chunks═══ pipe(), one write per chunk as it arrives ◀════════════════ upstream
//                        └─ then observe/ reads a copy of each chunk (token usage)
//
// Failures before the response headers become a JSON 502/504; after them the client connection
// is destroyed, so a truncated stream is visible and never hangs.
//
// memex drove http-proxy-3 until issue 7's measurements: with memex already writing the response
// itself, the library's part was building request options, and that part cost ~11 MiB of idle
// memory (it loads node:http2, follow-redirects and debug) and a URL parse per request
// (setupOutgoing, ~4% of CPU under load).

import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { ProxyError, errnoOf, toProxyErrorCode, type ProxyErrorCode } from '../errors.js';
import { observeResponse } from '../observe/response.js';
import type { Exchange } from './exchange.js';
import { withoutHopByHop } from './headers.js';
import type { Outgoing } from './outgoing.js';
import { sendError } from './reply.js';

/** What relay() hands an upstream's 101: its head, its socket and any bytes after the head. */
export type OnUpgrade = (response: IncomingMessage, socket: Socket, head: Buffer) => void;

/**
 * Sends `outgoing` for the client's `req` and relays the response into `res`. With `onUpgrade`
 * the request is a handshake (upgrade.ts): it has no body, and a 101 goes to `onUpgrade` instead
 * of `res`; any other answer is relayed as usual.
 */
export function relay(
  req: IncomingMessage,
  res: Exchange,
  outgoing: Outgoing,
  onUpgrade?: OnUpgrade,
): void {
  const upstream = (outgoing.secure ? httpsRequest : httpRequest)(outgoing.options);
  upstream.once('socket', (socket: Socket) => {
    watchUpstream(upstream, socket, res);
  });
  upstream.once('response', (response: IncomingMessage) => {
    relayResponse(upstream, response, res);
  });
  const fail = (err: Error): void => {
    upstream.destroy();
    onUpstreamError(err, req, res);
  };
  upstream.on('error', fail);
  req.on('error', fail);
  // A client that goes away before the response is complete aborts the upstream request.
  res.once('close', () => {
    if (!res.writableFinished) upstream.destroy();
  });
  if (onUpgrade === undefined) {
    req.pipe(upstream);
    res.inspection?.readRequest(req);
    return;
  }
  upstream.once('upgrade', onUpgrade);
  upstream.end();
}

function watchUpstream(upstream: ClientRequest, socket: Socket, res: Exchange): void {
  const { timeouts, host } = res.context;
  // One idle timer on the upstream socket: before the response it is the response-header
  // timeout, after it (see relayResponse) the stream idle timeout.
  upstream.setTimeout(timeouts.response_header_ms, () => {
    upstream.destroy(
      res.headersSent
        ? new ProxyError('UPSTREAM_RESET', 'stream idle timeout')
        : new ProxyError(
            'RESPONSE_TIMEOUT',
            `${host} sent no response headers within ${timeouts.response_header_ms} ms ` +
              '(timeouts.response_header_ms)',
          ),
    );
  });
  if (!socket.connecting) return;
  const timer = setTimeout(() => {
    upstream.destroy(
      new ProxyError(
        'UPSTREAM_CONNECT_TIMEOUT',
        `${host} did not accept the connection within ${timeouts.connect_ms} ms ` +
          '(timeouts.connect_ms)',
      ),
    );
  }, timeouts.connect_ms);
  timer.unref();
  const clear = (): void => {
    clearTimeout(timer);
  };
  socket.once('connect', clear);
  socket.once('close', clear);
}

function relayResponse(upstream: ClientRequest, response: IncomingMessage, res: Exchange): void {
  if (res.destroyed) {
    response.destroy();
    return;
  }
  upstream.setTimeout(res.context.timeouts.stream_idle_ms);
  res.responseHead();
  res.writeHead(
    response.statusCode ?? 502,
    response.statusMessage,
    withoutHopByHop(response.rawHeaders),
  );
  // A sized response sends its headers with its first chunk: one write instead of two. One of
  // unknown length (SSE, NDJSON) must not wait for a first event that may be seconds away: its
  // headers go on the next turn of the loop unless a chunk has taken them along already. Not at
  // once: a head flushed alone delays the first event that came in the same packet by ~0.8 ms.
  if (response.headers['content-length'] === undefined) setImmediate(flushHead, res);
  // Not stream.pipeline: its per-call AbortController and end-of-stream bookkeeping cost more
  // than the whole relay of a small response. The teardown it gave is kept: an upstream that
  // dies mid-body cuts the client (and the client going away aborts the upstream, in relay()).
  response.once('close', () => {
    if (!response.complete) res.destroy();
  });
  response.on('error', ignoreRelayError);
  response.pipe(res);
  // After pipe(): pipe's own 'data' listener writes each chunk to the client before an observer
  // sees its copy.
  observeResponse(response, res);
}

function flushHead(res: Exchange): void {
  if (!res.headersSent && !res.destroyed) res.flushHeaders();
}

// Raised after a failure the close handlers already act on; the exchange's own 'close'
// accounting records the incomplete response.
function ignoreRelayError(): void {
  return;
}

function onUpstreamError(err: Error, req: IncomingMessage, res: Exchange): void {
  if (res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed || req.socket.destroyed) return;
  const code = toProxyErrorCode(err);
  sendError(res, code, describe(code, err, res.context.host));
}

const DESCRIPTIONS: Partial<Record<ProxyErrorCode, string>> = {
  UPSTREAM_REFUSED: 'refused the connection',
  UPSTREAM_UNREACHABLE: 'is unreachable',
  UPSTREAM_DNS: 'could not be resolved (DNS)',
  UPSTREAM_RESET: 'closed the connection before responding',
  UPSTREAM_TLS: 'failed the TLS handshake',
  UPSTREAM_CONNECT_TIMEOUT: 'did not accept the connection in time',
};

function describe(code: ProxyErrorCode, err: Error, host: string): string {
  if (err instanceof ProxyError) return `upstream ${err.message}`;
  const errno = errnoOf(err);
  const what = DESCRIPTIONS[code] ?? 'failed';
  return `upstream ${host} ${what}${errno === undefined ? '' : ` (${errno})`}`;
}
