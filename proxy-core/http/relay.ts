// Relays one HTTP exchange to an upstream with node:http's own client; forward and reverse modes
// share it.
//
//   client ──request──▶ server.ts (route, strip hop-by-hop) ──http.request──▶ upstream
//   client ◀──headers── hop-by-hop stripped; flushed at once for streams ◀─── upstream
//   client ◀══chunks═══ pipe(), one write per chunk as it arrives ◀══════════ upstream
//
// Failures before the response headers become a JSON 502/504; after them the client connection
// is destroyed, so a truncated stream is visible and never hangs.
//
// memex drove http-proxy-3 until issue 7's measurements: with memex already writing the response
// itself, the library's part was building request options, and that part cost ~11 MiB of idle
// memory (it loads node:http2, follow-redirects and debug) and a URL parse per request
// (setupOutgoing, ~4% of CPU under load). The request side is now the few lines below.

import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { ProxyError, errnoOf, toProxyErrorCode, type ProxyErrorCode } from '../errors.js';
import { Exchange } from './exchange.js';
import { withoutHopByHop } from './headers.js';
import { sendError } from './reply.js';
import { createUsageReader, type UsageReader } from '../usage/reader.js';

// Pooled upstream sockets idle longer than this are closed: vendors drop idle keep-alive
// connections after a few seconds, and reusing one they are closing would fail the request.
const FREE_SOCKET_TIMEOUT_MS = 4_000;

/** One upstream origin, resolved once so a request copies nothing but its own headers. */
export interface UpstreamTarget {
  readonly secure: boolean;
  /** Name or address to dial (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** Host header value: the URL's host, default port omitted. */
  readonly host: string;
  /** The upstream URL's own path, without a trailing slash ('' for the root). */
  readonly basePath: string;
  readonly agent: HttpAgent;
}

/** Agents for one kind of destination: plain and TLS. */
export interface Agents {
  readonly http: HttpAgent;
  readonly https: HttpsAgent;
}

export interface Forwarder {
  /** The target for one upstream origin; build once per upstream, reuse per request. */
  targetFor(url: URL, agents?: Agents): UpstreamTarget;
  /** Sends `req` (its url already rewritten to the upstream path) and relays the response. */
  forward(req: IncomingMessage, res: Exchange, target: UpstreamTarget): void;
  /** Closes pooled upstream sockets. */
  close(): void;
}

export function createForwarder(): Forwarder {
  // noDelay: Nagle would hold back small SSE writes waiting for an ACK.
  const agentOptions = { keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS, noDelay: true };
  const pooled: Agents = { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) };
  return {
    targetFor(url, agents = pooled) {
      const secure = url.protocol === 'https:';
      const hostname = url.hostname;
      const basePath = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
      return {
        secure,
        hostname: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
        port: Number(url.port) || (secure ? 443 : 80),
        // RFC 9112 §3.2.2 (forward) and the upstream's virtual host (reverse): the target's host.
        host: url.host,
        basePath,
        agent: secure ? agents.https : agents.http,
      };
    },
    forward: relay,
    close() {
      pooled.http.destroy();
      pooled.https.destroy();
    },
  };
}

function relay(req: IncomingMessage, res: Exchange, target: UpstreamTarget): void {
  const headers: OutgoingHttpHeaders = req.headers;
  headers.host = target.host;
  const upstream = (target.secure ? httpsRequest : httpRequest)({
    hostname: target.hostname,
    port: target.port,
    method: req.method,
    path: target.basePath + (req.url ?? '/'),
    headers,
    agent: target.agent,
  });
  res.upstreamRequest = upstream;
  upstream.once('socket', (socket: Socket) => {
    watchUpstream(upstream, socket, res);
  });
  upstream.once('response', (response: IncomingMessage) => {
    relayResponse(response, res);
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
  req.pipe(upstream);
}

function watchUpstream(upstream: ClientRequest, socket: Socket, res: Exchange): void {
  const timeouts = res.timeouts;
  // One idle timer on the upstream socket: before the response it is the response-header
  // timeout, after it (see relayResponse) the stream idle timeout.
  upstream.setTimeout(timeouts.response_header_ms, () => {
    upstream.destroy(
      res.headersSent
        ? new ProxyError('UPSTREAM_RESET', 'stream idle timeout')
        : new ProxyError(
            'RESPONSE_TIMEOUT',
            `${res.host} sent no response headers within ${timeouts.response_header_ms} ms ` +
              '(timeouts.response_header_ms)',
          ),
    );
  });
  if (!socket.connecting) return;
  const timer = setTimeout(() => {
    upstream.destroy(
      new ProxyError(
        'UPSTREAM_CONNECT_TIMEOUT',
        `${res.host} did not accept the connection within ${timeouts.connect_ms} ms ` +
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

function relayResponse(response: IncomingMessage, res: Exchange): void {
  if (res.destroyed) {
    response.destroy();
    return;
  }
  res.upstreamRequest?.setTimeout(res.timeouts.stream_idle_ms);
  res.writeHead(
    response.statusCode ?? 502,
    response.statusMessage,
    withoutHopByHop(response.rawHeaders),
  );
  // A response of unknown length (SSE, NDJSON) gets its headers now, so the client sees the
  // stream open before the first event. A sized one sends them with its first chunk: one write
  // instead of two.
  if (response.headers['content-length'] === undefined) res.flushHeaders();
  // Not stream.pipeline: its per-call AbortController and end-of-stream bookkeeping cost more
  // than the whole relay of a small response. The teardown it gave is kept: an upstream that
  // dies mid-body cuts the client (and the client going away aborts the upstream, in relay()).
  response.once('close', () => {
    if (!response.complete) res.destroy();
  });
  response.on('error', ignoreRelayError);
  response.pipe(res);
  // After pipe(): pipe's own 'data' listener writes each chunk to the client before the usage
  // reader sees its copy.
  const reader = usageReaderFor(response, res);
  if (reader === undefined) return;
  res.usageStarted();
  response.on('data', (chunk: Buffer) => {
    reader.write(chunk);
  });
  response.once('end', () => {
    reader.end();
  });
  response.once('close', () => {
    if (!response.complete) reader.abort();
  });
}

// count_tokens answers a question about a prompt; nothing is generated or spent.
function usageReaderFor(response: IncomingMessage, res: Exchange): UsageReader | undefined {
  if (res.schema === 'unknown' || res.target.includes('/count_tokens')) return undefined;
  const headers = response.headers;
  return createUsageReader(
    res.schema,
    {
      status: response.statusCode ?? 0,
      contentType: headers['content-type'],
      contentEncoding: headers['content-encoding'],
    },
    (outcome) => {
      res.usageRead(outcome);
    },
  );
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
