// Relays one HTTP exchange to an upstream through http-proxy-3; forward and reverse modes share it.
//
//   client ──request──▶ server.ts (route, strip hop-by-hop) ──http-proxy-3──▶ upstream
//   client ◀──headers── hop-by-hop stripped; flushed at once for streams ◀─── upstream
//   client ◀══chunks═══ pipe(), one write per chunk as it arrives ◀══════════ upstream
//
// Failures before the response headers become a JSON 502/504; after them the client connection
// is destroyed, so a truncated stream is visible and never hangs.

import {
  Agent as HttpAgent,
  type ClientRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createProxyServer, type ServerOptions } from 'http-proxy-3';
import { ProxyError, errnoOf, toProxyErrorCode, type ProxyErrorCode } from './errors.js';
import { Exchange } from './exchange.js';
import { withoutHopByHop } from './headers.js';
import { sendError } from './reply.js';

// Pooled upstream sockets idle longer than this are closed: vendors drop idle keep-alive
// connections after a few seconds, and reusing one they are closing would fail the request.
const FREE_SOCKET_TIMEOUT_MS = 4_000;

export interface Forwarder {
  /** Options for requests to one upstream origin; build once per upstream, reuse per request. */
  optionsFor(target: URL, rewriteHost: boolean): ServerOptions;
  /** Sends `req` (its url already rewritten to the upstream path) and relays the response. */
  forward(req: IncomingMessage, res: Exchange, options: ServerOptions): void;
  /** Closes pooled upstream sockets. */
  close(): void;
}

export function createForwarder(): Forwarder {
  // noDelay: Nagle would hold back small SSE writes waiting for an ACK.
  const agentOptions = { keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS, noDelay: true };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  // selfHandleResponse: memex writes the response itself, to strip hop-by-hop headers, flush
  // headers at once and destroy the client when the upstream dies mid-body (http-proxy-3 would
  // leave it hanging).
  const proxy = createProxyServer({ selfHandleResponse: true, xfwd: false });
  // Without an 'error' listener http-proxy-3 rethrows and kills the process.
  proxy.on('error', onProxyError);
  proxy.on('proxyReq', onProxyReq);
  proxy.on('proxyRes', onProxyRes);

  return {
    optionsFor(target, rewriteHost) {
      return {
        target,
        changeOrigin: rewriteHost,
        agent: target.protocol === 'https:' ? httpsAgent : httpAgent,
      };
    },
    forward(req, res, options) {
      proxy.web(req, res, options, onProxyError);
    },
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

function onProxyReq(proxyReq: ClientRequest, _req: IncomingMessage, res: ServerResponse): void {
  if (!(res instanceof Exchange)) return;
  const timeouts = res.timeouts;
  res.upstreamRequest = proxyReq;
  // One idle timer on the upstream socket: before the response it is the response-header
  // timeout, after it (see onProxyRes) the stream idle timeout.
  proxyReq.setTimeout(timeouts.response_header_ms, () => {
    proxyReq.destroy(
      res.headersSent
        ? new ProxyError('UPSTREAM_RESET', 'stream idle timeout')
        : new ProxyError(
            'RESPONSE_TIMEOUT',
            `${res.host} sent no response headers within ${timeouts.response_header_ms} ms ` +
              '(timeouts.response_header_ms)',
          ),
    );
  });
  const socket = proxyReq.socket;
  if (socket?.connecting === true) {
    const timer = setTimeout(() => {
      proxyReq.destroy(
        new ProxyError(
          'UPSTREAM_CONNECT_TIMEOUT',
          `${res.host} did not accept the connection within ${timeouts.connect_ms} ms ` +
            '(timeouts.connect_ms)',
        ),
      );
    }, timeouts.connect_ms);
    timer.unref();
    socket.once('connect', () => {
      clearTimeout(timer);
    });
    socket.once('close', () => {
      clearTimeout(timer);
    });
  }
}

function onProxyRes(proxyRes: IncomingMessage, _req: IncomingMessage, res: ServerResponse): void {
  if (!(res instanceof Exchange) || res.destroyed) {
    proxyRes.destroy();
    return;
  }
  res.upstreamRequest?.setTimeout(res.timeouts.stream_idle_ms);
  res.writeHead(
    proxyRes.statusCode ?? 502,
    proxyRes.statusMessage,
    withoutHopByHop(proxyRes.rawHeaders),
  );
  // A response of unknown length (SSE, NDJSON) gets its headers now, so the client sees the
  // stream open before the first event. A sized one sends them with its first chunk: one write
  // instead of two.
  if (proxyRes.headers['content-length'] === undefined) res.flushHeaders();
  // Not stream.pipeline: its per-call AbortController and end-of-stream bookkeeping cost more
  // than the whole relay of a small response. The two teardown rules it gave are kept: an
  // upstream that dies mid-body cuts the client, and a client that goes away aborts the upstream.
  proxyRes.once('close', () => {
    if (!proxyRes.complete) res.destroy();
  });
  res.once('close', () => {
    if (!proxyRes.complete) proxyRes.destroy();
  });
  proxyRes.on('error', ignoreRelayError);
  proxyRes.pipe(res);
}

// Raised after a failure the close handlers already act on; the exchange's own 'close'
// accounting records the incomplete response.
function ignoreRelayError(): void {
  return;
}

function onProxyError(err: Error, req: IncomingMessage, res: unknown): void {
  if (!(res instanceof Exchange)) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.destroyed || req.socket.destroyed) return;
  const code = toProxyErrorCode(err);
  sendError(res, code, describe(code, err, res.host));
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
