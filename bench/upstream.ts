// Fake upstream for the bench, run as its own process so it never shares an event loop with the
// load client. Speaks just enough of both APIs: JSON echo (POST /v1/messages,
// /v1/chat/completions, /echo), timed SSE (/sse/…), big bodies (/large) and held streams
// (/hold/…). The streams are Anthropic Messages streams (message_start, content_block_delta…,
// message_delta with usage, message_stop) under /sse/v1/messages, so memex detects the schema
// and reads their usage: the bench measures memex with token accounting on. WebSocket upgrades
// (/ws/v1/responses) are Responses sessions shaped like Codex's, which memex reads too: each
// response.create is answered with timed deltas and a response.completed carrying usage.
// Limit headers (issue 15): with --limits every response head (101s included) carries the
// Anthropic subscription and API-key rate-limit sets of shared/fixtures/limits; without it, only
// paths under /limits/ do (memex's route for the paired "limit headers on" measurement).
// Prints "upstream listening on PORT" once it accepts connections.

import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const CHUNK = Buffer.alloc(1024 * 1024, 'x');
const MAX_EVENTS = 100_000;
const MESSAGE_START =
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_bench",' +
  '"type":"message","role":"assistant","model":"bench-model","content":[],' +
  '"usage":{"input_tokens":25,"output_tokens":1}}}\n\n';

/** Rate-limit headers, one set per process; null where a response carries none. */
type Limits = Readonly<Record<string, string>> | null;

/**
 * The limit headers a Claude subscription and an API key send, as in the fixtures' README (both
 * sets at once: the worst case for one response head), resets in the future from `now` (ms).
 */
function toLimitHeaders(now: number): Record<string, string> {
  const epoch = (ms: number): string => String(Math.floor((now + ms) / 1000));
  const instant = (ms: number): string => new Date(now + ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const hour = 3_600_000;
  const unified = 'anthropic-ratelimit-unified-';
  const key = 'anthropic-ratelimit-';
  return {
    [`${unified}status`]: 'allowed',
    [`${unified}representative-claim`]: 'five_hour',
    [`${unified}5h-utilization`]: '0.21',
    [`${unified}5h-reset`]: epoch(2 * hour),
    [`${unified}5h-status`]: 'allowed',
    [`${unified}7d-utilization`]: '0.68',
    [`${unified}7d-reset`]: epoch(80 * hour),
    [`${unified}7d-status`]: 'allowed',
    [`${unified}7d-sonnet-utilization`]: '0.02',
    [`${unified}7d-sonnet-reset`]: epoch(80 * hour),
    [`${unified}overage-status`]: 'allowed',
    [`${key}requests-limit`]: '4000',
    [`${key}requests-remaining`]: '3999',
    [`${key}requests-reset`]: instant(60_000),
    [`${key}tokens-limit`]: '2000000',
    [`${key}tokens-remaining`]: '1998000',
    [`${key}tokens-reset`]: instant(12_000),
    [`${key}input-tokens-limit`]: '1600000',
    [`${key}input-tokens-remaining`]: '1599000',
    [`${key}input-tokens-reset`]: instant(12_000),
    [`${key}output-tokens-limit`]: '400000',
    [`${key}output-tokens-remaining`]: '399000',
    [`${key}output-tokens-reset`]: instant(9_000),
  };
}

/** `headers` with the limit headers added when there are any (headers is the caller's own). */
function withLimits(headers: OutgoingHttpHeaders, limits: Limits): OutgoingHttpHeaders {
  return limits === null ? headers : Object.assign(headers, limits);
}

function main(always: boolean): void {
  // Renewed every second, so the resets stay ahead of the clock for the whole run, as real ones do.
  let limits = toLimitHeaders(Date.now());
  setInterval(() => {
    limits = toLimitHeaders(Date.now());
  }, 1000).unref();
  const limitsOf = (url: string | undefined): Limits =>
    always || /^(?:\/bench)?\/limits\//.test(url ?? '') ? limits : null;
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    handle(req, res, limitsOf(req.url));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('connection', (socket) => {
    socket.setNoDelay(true);
  });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  // The 101's header lines, as `ws` is about to write them.
  wss.on('headers', (lines: string[], req: IncomingMessage) => {
    if (limitsOf(req.url) === null) return;
    for (const [name, value] of Object.entries(limits)) lines.push(`${name}: ${value}`);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {
        ws.terminate();
      });
      ws.on('message', (data: Buffer) => {
        respond(ws, data);
      });
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`upstream listening on ${port}\n`);
  });
  process.on('disconnect', () => process.exit(0));
}

function handle(req: IncomingMessage, res: ServerResponse, limits: Limits): void {
  req.on('error', () => res.destroy());
  res.on('error', () => req.destroy());
  // The reverse route may or may not strip its /bench prefix; accept both forms.
  const url = new URL(req.url ?? '/', 'http://upstream');
  const path = url.pathname.replace(/^(?:\/bench)?(?:\/limits)?(?=\/)/, '');
  const param = (name: string, fallback: number): number => {
    const value = Number(url.searchParams.get(name));
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  if (path.startsWith('/sse/')) {
    sendEvents(res, Math.min(param('n', 10), MAX_EVENTS), param('ms', 5), limits);
  } else if (path.startsWith('/hold/')) {
    const every = param('every', 500);
    sendEvents(res, Math.min(Math.ceil(param('ms', 2000) / every), MAX_EVENTS), every, limits);
  } else if (path === '/large') {
    sendLarge(res, param('bytes', CHUNK.length), limits);
  } else {
    echo(req, res, limits);
  }
}

// Each event carries its send time as CLOCK_MONOTONIC nanoseconds (process.hrtime.bigint),
// a clock shared by every process on the machine, so the client can subtract.
function sendEvents(res: ServerResponse, count: number, gapMs: number, limits: Limits): void {
  res.writeHead(
    200,
    withLimits({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache' }, limits),
  );
  res.flushHeaders();
  let sent = 0;
  const tick = (): void => {
    sent += 1;
    const t = process.hrtime.bigint().toString();
    const start = sent === 1 ? MESSAGE_START : '';
    res.write(
      `${start}event: content_block_delta\ndata: {"type":"content_block_delta","index":0,` +
        `"delta":{"type":"text_delta","text":"token ${sent} "},"t":"${t}"}\n\n`,
    );
    if (sent >= count) {
      clearInterval(timer);
      res.end(
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},' +
          `"usage":{"output_tokens":${count}}}\n\n` +
          'event: message_stop\ndata: {"type":"message_stop"}\n\nevent: done\ndata: {}\n\n',
      );
    }
  };
  // The first event goes out right after the headers, so time to first event is the path alone.
  const timer = setInterval(tick, gapMs);
  tick();
  res.on('close', () => {
    clearInterval(timer);
  });
}

// A response.create {"n","ms"} gets n deltas ms apart, each with its send time as sendEvents'
// events carry it, then response.completed with n output tokens. Anything else is ignored.
function respond(ws: WebSocket, data: Buffer): void {
  let request: unknown;
  try {
    request = JSON.parse(data.toString('utf8'));
  } catch {
    return;
  }
  if (typeof request !== 'object' || request === null) return;
  const { type, n, ms } = request as { type?: unknown; n?: unknown; ms?: unknown };
  if (type !== 'response.create') return;
  const count = typeof n === 'number' && n > 0 ? Math.min(n, MAX_EVENTS) : 10;
  const gapMs = typeof ms === 'number' && ms > 0 ? ms : 5;
  ws.send(
    '{"type":"response.created","response":{"id":"resp_bench","model":"bench-model",' +
      '"status":"in_progress"}}',
  );
  let sent = 0;
  const tick = (): void => {
    sent += 1;
    const t = process.hrtime.bigint().toString();
    ws.send(`{"type":"response.output_text.delta","delta":"token ${sent} ","t":"${t}"}`);
    if (sent >= count) {
      clearInterval(timer);
      ws.send(
        '{"type":"response.completed","response":{"id":"resp_bench","model":"bench-model",' +
          `"usage":{"input_tokens":25,"output_tokens":${count}}}}`,
      );
    }
  };
  const timer = setInterval(tick, gapMs);
  tick();
  ws.on('close', () => {
    clearInterval(timer);
  });
}

// Streams `bytes` from one reused buffer, respecting back-pressure.
function sendLarge(res: ServerResponse, bytes: number, limits: Limits): void {
  res.writeHead(
    200,
    withLimits({ 'content-type': 'application/octet-stream', 'content-length': bytes }, limits),
  );
  let left = bytes;
  const pump = (): void => {
    while (left > 0) {
      const size = Math.min(left, CHUNK.length);
      left -= size;
      const more = res.write(size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size));
      if (!more) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function echo(req: IncomingMessage, res: ServerResponse, limits: Limits): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(
      200,
      withLimits({ 'content-type': 'application/json', 'content-length': body.length }, limits),
    );
    res.end(body);
  });
}

main(process.argv.includes('--limits'));
