// The request inspector through a real proxy into a real history file: what it keeps of headers
// and bodies (redacted, decompressed, cut at the limit, SSE events listed), that no credential
// reaches a byte of the file, and that with the inspector off nothing extra is attached. The
// pure parts (the redaction rule, body decoding) are table-tested first.

import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { test, type TestContext } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import {
  DEFAULT_CONFIG,
  type Config,
  type InspectorConfig,
} from '../../../proxy-core/config/config.js';
import { createHistory, type History } from '../../../proxy-core/history/history.js';
import { Exchange } from '../../../proxy-core/http/exchange.js';
import { eventsOf, toCapturedBody } from '../../../proxy-core/observe/inspect-body.js';
import {
  isCredentialHeader,
  toCapturedHeaders,
} from '../../../proxy-core/observe/inspect-headers.js';
import type { Capture } from '../../../shared/history.js';
import { send } from '../../helpers/client.js';
import { startObservedProxy, type ObservedProxy } from '../../helpers/proxy-stats.js';
import { startUpstream, type Handler } from '../../helpers/servers.js';
import { openWs, startWsUpstream } from '../../helpers/websocket.js';
import { closeFirst, sqlite, tempHistoryFile } from '../history/fixtures.js';

// ─── The redaction rule ───────────────────────────────────────────────────────────────────────

const CREDENTIAL_CASES: readonly (readonly [name: string, value: string, redacted: boolean])[] = [
  ['Authorization', 'Bearer sk-ant-oat01-x', true],
  ['authorization', 'Basic dXNlcjpwYXNz', true],
  ['Proxy-Authorization', 'Basic dXNlcjpwYXNz', true],
  ['x-api-key', 'sk-ant-api03-x', true],
  ['X-Goog-Api-Key', 'AIzaSyX', true],
  ['api-key', 'azure-key', true],
  ['anthropic-api-key', 'k', true],
  ['Cookie', 'session=abc', true],
  ['set-cookie', 'id=1; HttpOnly', true],
  ['x-auth-token', 'abc', true],
  ['x-amz-security-token', 'abc', true],
  ['x-client-secret', 'abc', true],
  ['x-refresh-token', 'abc', true],
  ['x-password', 'hunter2', true],
  ['www-authenticate', 'Bearer realm="api"', true],
  // A credential's shape in a header whose name says nothing.
  ['x-forwarded-credential-ish', 'whatever', true],
  ['x-custom', 'Bearer abc', true],
  ['x-custom', 'sk-proj-abc', true],
  ['x-custom', 'AIzaSyX', true],
  // What an inspector is opened for stays.
  ['content-type', 'application/json', false],
  ['anthropic-ratelimit-tokens-remaining', '39000', false],
  ['x-ratelimit-limit-tokens', '30000', false],
  ['anthropic-ratelimit-input-tokens-reset', '2025-03-10T12:00:00Z', false],
  ['anthropic-version', '2023-06-01', false],
  ['x-claude-code-session-id', 'a1b2', false],
  ['user-agent', 'claude-cli/2.1.3', false],
  ['keep-alive', 'timeout=5', false],
  ['x-custom', 'skeleton', false],
  ['x-custom', 'basically fine', false],
];

test('the redaction rule: credential names and credential-shaped values, nothing else', () => {
  for (const [name, value, redacted] of CREDENTIAL_CASES) {
    assert.equal(isCredentialHeader(name, value), redacted, `${name}: ${value}`);
  }
});

test('raw headers become pairs, names as sent, credentials redacted', () => {
  assert.deepEqual(
    toCapturedHeaders(['Host', 'h', 'X-Api-Key', 'sk-1', 'Accept', 'a', 'Accept', 'b']),
    [
      ['Host', 'h'],
      ['X-Api-Key', '[redacted]'],
      ['Accept', 'a'],
      ['Accept', 'b'],
    ],
  );
});

// ─── Bodies ───────────────────────────────────────────────────────────────────────────────────

/** A body as the relay would have kept it with `limit`: whole chunks until past the limit. */
function kept(wire: Buffer, limit: number, chunkSize = 1024) {
  const chunks: Buffer[] = [];
  let size = 0;
  for (let at = 0; at < wire.length; at += chunkSize) {
    if (size >= limit) break;
    const chunk = wire.subarray(at, at + chunkSize);
    chunks.push(chunk);
    size += chunk.length;
  }
  return { chunks, kept: size, bytes: wire.length };
}

// Text that compresses as prose does (a few times), not as one word repeated (thousands of times).
const WORDS = ['héllo', 'model', 'tøkens', 'stream', '✓', 'delta', 'content', 'usage', 'claude'];
const TEXT = Buffer.from(JSON.stringify({ text: prose(4_000) }));

/** `count` words drawn by a linear congruential generator: the same text on every run. */
function prose(count: number): string {
  const words: string[] = [];
  let seed = 1;
  for (let i = 0; i < count; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    words.push(WORDS[seed % WORDS.length] ?? '');
  }
  return words.join(' ');
}

const CODED: readonly (readonly [string, (input: Buffer) => Buffer])[] = [
  ['gzip', gzipSync],
  ['deflate', deflateSync],
  ['br', brotliCompressSync],
  ['zstd', zstdCompressSync],
];

test('bodies are decoded by their coding: whole, and cut at the limit on a character boundary', () => {
  for (const [coding, encode] of CODED) {
    const wire = encode(TEXT);
    const whole = toCapturedBody(kept(wire, 1 << 20), coding, 1 << 20).body;
    assert.deepEqual(
      whole,
      { text: TEXT.toString(), bytes: wire.length, truncated: false },
      coding,
    );
    const cut = toCapturedBody(kept(wire, 1 << 20), coding, 1_000).body;
    assert.equal(cut?.truncated, true, coding);
    assert.ok(TEXT.toString().startsWith(cut.text ?? 'x'), coding);
    assert.ok(Buffer.byteLength(cut.text ?? '') <= 1_000, coding);
    assert.ok(Buffer.byteLength(cut.text ?? '') > 900, `${coding}: ${cut.text?.length}`);
  }
  const plain = toCapturedBody(kept(TEXT, 999), undefined, 999).body;
  assert.equal(plain?.truncated, true);
  assert.equal(plain.bytes, TEXT.length);
  assert.ok(TEXT.toString().startsWith(plain.text ?? 'x'));
  // 999 bytes end inside a two- or three-byte character: it is left out, not refused.
  assert.ok(Buffer.byteLength(plain.text ?? '') >= 996);
});

test('a decompression bomb is decoded only as far as the limit', () => {
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 'a'));
  const started = performance.now();
  const body = toCapturedBody(kept(bomb, 1 << 20), 'gzip', 64 * 1024).body;
  assert.equal(body?.truncated, true);
  assert.ok((body.text?.length ?? 0) <= 64 * 1024);
  assert.ok((body.text?.length ?? 0) > 60 * 1024);
  assert.ok(performance.now() - started < 5_000);
});

test('no body is null; bytes that are not text, or that do not decode, are text null', () => {
  assert.deepEqual(toCapturedBody({ chunks: [], kept: 0, bytes: 0 }, undefined, 10), {
    body: null,
    decoded: undefined,
  });
  const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe]);
  const cases: readonly (readonly [Buffer, string | undefined])[] = [
    [binary, undefined],
    [Buffer.from('nul\0inside'), undefined],
    [Buffer.from('not gzip at all'), 'gzip'],
    [gzipSync(binary), 'gzip'],
    [gzipSync(TEXT), 'gzip, br'],
    [TEXT, 'compress'],
    [TEXT, 'constructor'],
  ];
  for (const [wire, coding] of cases) {
    const { body } = toCapturedBody(kept(wire, 100_000), coding, 100_000);
    assert.deepEqual(body, { text: null, bytes: wire.length, truncated: false }, String(coding));
  }
});

test('SSE events: each event with its name; a cut stream leaves its unfinished event out', () => {
  const stream = Buffer.from(
    ': ping\n\nevent: message_start\ndata: {"a":1}\n\ndata: line 1\ndata: line 2\n\nevent: message_stop\ndata: {"b"',
  );
  assert.deepEqual(eventsOf({ data: stream, cut: true }), [
    { event: 'message_start', data: '{"a":1}' },
    { event: 'message', data: 'line 1\nline 2' },
  ]);
  assert.equal(eventsOf({ data: stream, cut: false }).length, 3);
});

// ─── Through the proxy ────────────────────────────────────────────────────────────────────────

interface Inspected {
  readonly proxy: ObservedProxy;
  readonly history: History;
  readonly file: string;
  /** The config the proxy started with (for update()). */
  readonly config: Config;
}

/** A proxy in front of `handler` at `/up`, keeping history in a temp file, inspector on. */
async function startInspected(
  t: TestContext,
  handler: Handler,
  inspector: Partial<InspectorConfig> = {},
  overrides: Partial<Config> = {},
): Promise<Inspected> {
  const upstream = await startUpstream(t, handler);
  const file = tempHistoryFile(t);
  const history = createHistory({ file, retentionDays: 100_000 });
  closeFirst(t, () => history.close());
  const changes: Partial<Config> = {
    upstreams: { up: upstream.url },
    // Attribution looks up processes; without it the record is final at once.
    attribution: { processes: false },
    inspector: { ...DEFAULT_CONFIG.inspector, enabled: true, ...inspector },
    ...overrides,
  };
  const proxy = await startObservedProxy(t, changes, { history });
  const config: Config = { ...DEFAULT_CONFIG, host: '127.0.0.1', port: proxy.port, ...changes };
  return { proxy, history, file, config };
}

/** The newest request's capture, after history has written what it was given. */
async function lastCapture(history: History): Promise<Capture | null> {
  await history.flush();
  const { rows } = await history.query({ limit: 1 });
  const id = rows[0]?.id;
  assert.ok(id !== undefined, 'a request was recorded');
  const detail = await history.detail(id);
  assert.ok(detail !== null);
  return detail.capture;
}

function header(headers: readonly (readonly [string, string])[], name: string): string[] {
  return headers.filter(([n]) => n.toLowerCase() === name).map(([, value]) => value);
}

const PLANTED = ['sk-ant-PLANTED-123', 'sk-PLANTED', 'PLANTED-query', 'PLANTED-cookie'];

test('a JSON exchange: headers as sent, credentials redacted, bodies as text, and no planted credential in any byte of the file', async (t) => {
  const { proxy, history, file } = await startInspected(t, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'Set-Cookie': 'session=PLANTED-cookie; HttpOnly',
        'anthropic-ratelimit-tokens-remaining': '39000',
      });
      res.end('{"id":"msg_1","usage":{"input_tokens":3,"output_tokens":5}}');
    });
  });
  const body = '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}';
  const recorded = proxy.nextAttributed();
  const reply = await send(
    `${proxy.url}/up/v1/messages?key=PLANTED-query`,
    {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Api-Key': 'sk-ant-PLANTED-123',
        Authorization: 'Bearer sk-PLANTED',
        'X-Goog-Api-Key': 'sk-ant-PLANTED-123',
        Cookie: 'session=PLANTED-cookie',
        'Anthropic-Version': '2023-06-01',
      },
    },
    body,
  );
  assert.equal(reply.status, 200);
  await recorded;

  const capture = await lastCapture(history);
  assert.ok(capture !== null);
  const sent = capture.requestHeaders;
  assert.deepEqual(header(sent, 'x-api-key'), ['[redacted]']);
  assert.deepEqual(header(sent, 'authorization'), ['[redacted]']);
  assert.deepEqual(header(sent, 'x-goog-api-key'), ['[redacted]']);
  assert.deepEqual(header(sent, 'cookie'), ['[redacted]']);
  assert.ok(sent.some(([name, value]) => name === 'Anthropic-Version' && value === '2023-06-01'));
  assert.deepEqual(header(capture.responseHeaders, 'set-cookie'), ['[redacted]']);
  assert.deepEqual(header(capture.responseHeaders, 'anthropic-ratelimit-tokens-remaining'), [
    '39000',
  ]);
  assert.deepEqual(capture.requestBody, { text: body, bytes: body.length, truncated: false });
  assert.deepEqual(capture.responseBody, {
    text: '{"id":"msg_1","usage":{"input_tokens":3,"output_tokens":5}}',
    bytes: 59,
    truncated: false,
  });
  assert.equal(capture.events, null);

  // The sqlite3 shell sees the same row, redacted.
  const [row] = sqlite(file, 'SELECT * FROM captures');
  assert.ok(row !== undefined);
  assert.equal(row['request_body'], body);
  assert.match(String(row['request_headers']), /\["X-Api-Key","\[redacted\]"\]/);
  const printed = execFileSync('sqlite3', ['-json', file, 'select * from captures'], {
    encoding: 'utf8',
  });
  for (const secret of PLANTED) assert.equal(printed.includes(secret), false, secret);

  await history.close();
  for (const suffix of ['', '-wal', '-shm']) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file + suffix);
    } catch {
      continue;
    }
    for (const secret of ['PLANTED', ...PLANTED]) {
      assert.equal(bytes.includes(secret), false, `${secret} in ${file}${suffix}`);
    }
  }
});

test('detail(id) gives the row and its capture', async (t) => {
  const { proxy, history } = await startInspected(t, (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('no such model');
  });
  const recorded = proxy.nextAttributed();
  await send(`${proxy.url}/up/v1/models/nope`);
  await recorded;
  await history.flush();
  const { rows } = await history.query({});
  const id = rows[0]?.id ?? -1;
  const detail = await history.detail(id);
  assert.equal(detail?.row.status, 404);
  assert.equal(detail.row.path, '/up/v1/models/nope');
  assert.equal(detail.capture?.requestBody, null, 'a GET has no body');
  assert.deepEqual(detail.capture.responseBody, {
    text: 'no such model',
    bytes: 13,
    truncated: false,
  });
});

test('an SSE response is kept as text with its events listed', async (t) => {
  const events = [
    'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-sonnet-4-5","usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"}}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":2}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ];
  const { proxy, history } = await startInspected(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of events) res.write(event);
    res.end();
  });
  const recorded = proxy.nextAttributed();
  await send(`${proxy.url}/up/v1/messages`, { method: 'POST' }, '{"stream":true}');
  assert.equal((await recorded).usage?.kind, 'counted');
  const capture = await lastCapture(history);
  assert.equal(capture?.responseBody?.text, events.join(''));
  assert.deepEqual(
    capture.events?.map((event) => event.event),
    ['message_start', 'content_block_delta', 'message_delta', 'message_stop'],
  );
  assert.equal(capture.events[3]?.data, '{"type":"message_stop"}');
});

test('a gzip response is kept decompressed; its bytes are those on the wire', async (t) => {
  const json = JSON.stringify({ id: 'chatcmpl-1', choices: [{ text: 'x'.repeat(5_000) }] });
  const wire = gzipSync(json);
  const { proxy, history } = await startInspected(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    res.end(wire);
  });
  const recorded = proxy.nextAttributed();
  const reply = await send(`${proxy.url}/up/v1/chat/completions`, {
    method: 'POST',
    headers: { 'accept-encoding': 'gzip' },
  });
  assert.ok(reply.body.equals(wire), 'relayed as sent');
  await recorded;
  const capture = await lastCapture(history);
  assert.deepEqual(capture?.responseBody, { text: json, bytes: wire.length, truncated: false });
});

test('bodies over max_body_kb are cut there and marked truncated', async (t) => {
  const big = 'y'.repeat(10 * 1024);
  const { proxy, history } = await startInspected(
    t,
    (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(big.slice(0, 5_000));
        res.end(big.slice(5_000));
      });
    },
    { max_body_kb: 1 },
  );
  const recorded = proxy.nextAttributed();
  await send(`${proxy.url}/up/v1/messages`, { method: 'POST' }, big);
  await recorded;
  const capture = await lastCapture(history);
  for (const body of [capture?.requestBody, capture?.responseBody]) {
    assert.equal(body?.truncated, true);
    assert.equal(body.bytes, big.length);
    assert.equal(body.text, 'y'.repeat(1024));
  }
});

test('an answer memex wrote itself (upstream refused) keeps the request, no response', async (t) => {
  const { proxy, history } = await startInspected(
    t,
    (_req, res) => res.end(),
    {},
    {
      upstreams: { up: 'http://127.0.0.1:1' },
    },
  );
  const recorded = proxy.nextAttributed();
  const reply = await send(`${proxy.url}/up/v1/messages`, { method: 'POST' }, '{"a":1}');
  assert.equal(reply.status, 502);
  await recorded;
  const capture = await lastCapture(history);
  assert.equal(capture?.requestBody?.text, '{"a":1}');
  assert.deepEqual(capture.responseHeaders, []);
  assert.equal(capture.responseBody, null);
});

test('with the inspector off nothing is captured; a reload turns it on and off for later requests', async (t) => {
  const { proxy, history, file, config } = await startInspected(
    t,
    (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    },
    { enabled: false },
  );
  const exchange = async (): Promise<void> => {
    const recorded = proxy.nextAttributed();
    await send(`${proxy.url}/up/v1/messages`, { method: 'POST' }, '{}');
    await recorded;
  };
  const inspector = (enabled: boolean): Config => ({
    ...config,
    inspector: { ...config.inspector, enabled },
  });
  await exchange();
  await proxy.proxy.update(inspector(true));
  await exchange();
  await proxy.proxy.update(inspector(false));
  await exchange();
  await history.flush();
  assert.deepEqual(sqlite(file, 'SELECT request_id FROM captures'), [{ request_id: 2 }]);
  assert.equal(sqlite(file, 'SELECT count(*) AS n FROM requests')[0]?.['n'], 3);
});

test('a WebSocket handshake keeps its request headers and the 101, no bodies', async (t) => {
  const upstream = await startWsUpstream(t);
  const { proxy, history } = await startInspected(
    t,
    (_req, res) => res.end(),
    {},
    {
      upstreams: { up: upstream.url },
    },
  );
  const { ws } = await openWs(t, `ws://127.0.0.1:${proxy.port}/up/socket`, {
    headers: { Authorization: 'Bearer sk-PLANTED-ws' },
  });
  const recorded = proxy.nextAttributed();
  ws.close();
  assert.equal((await recorded).status, 101);
  const capture = await lastCapture(history);
  assert.ok(capture !== null);
  assert.deepEqual(header(capture.requestHeaders, 'authorization'), ['[redacted]']);
  assert.deepEqual(header(capture.responseHeaders, 'upgrade'), ['websocket']);
  assert.equal(capture.requestBody, null);
  assert.equal(capture.responseBody, null);
});

/**
 * The 'data' listeners on the proxy's side of one streamed exchange: on the client's request
 * while its body is still coming, and on the upstream's response while it is still streaming.
 */
async function dataListeners(
  t: TestContext,
  mode: 'no history' | 'inspector off' | 'inspector on',
): Promise<{ request: number; response: number }> {
  // Each proxy-side request and upstream response, as node:http announces them.
  let proxyReq: IncomingMessage | undefined;
  let upstreamResponse: IncomingMessage | undefined;
  const onServerRequest = (message: unknown): void => {
    const { request: req, response } = message as { request: IncomingMessage; response: unknown };
    if (response instanceof Exchange) proxyReq = req;
  };
  const onClientResponse = (message: unknown): void => {
    const { request: sent, response } = message as {
      request: ClientRequest;
      response: IncomingMessage;
    };
    if (sent.path === '/v1/messages') upstreamResponse = response;
  };
  subscribe('http.server.request.start', onServerRequest);
  subscribe('http.client.response.finish', onClientResponse);
  t.after(() => {
    unsubscribe('http.server.request.start', onServerRequest);
    unsubscribe('http.client.response.finish', onClientResponse);
  });

  let requestCount = -1;
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handler: Handler = (req, res) => {
    req.once('data', () => {
      requestCount = proxyReq?.listenerCount('data') ?? -1;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: ping\ndata: {}\n\n');
      void released.then(() => {
        req.resume();
        req.on('end', () => res.end('event: message_stop\ndata: {}\n\n'));
      });
    });
  };
  let url: string;
  if (mode === 'no history') {
    const upstream = await startUpstream(t, handler);
    const proxy = await startObservedProxy(t, {
      upstreams: { up: upstream.url },
      attribution: { processes: false },
    });
    url = proxy.url;
  } else {
    const started = await startInspected(t, handler, { enabled: mode === 'inspector on' });
    url = started.proxy.url;
  }

  const client = request(`${url}/up/v1/messages`, { method: 'POST', agent: false });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    client.once('response', resolve);
    client.once('error', reject);
    client.write('{"stream":');
  });
  await new Promise((resolve) => response.once('data', resolve));
  const responseCount = upstreamResponse?.listenerCount('data') ?? -1;
  release();
  client.end('true}');
  response.resume();
  await new Promise((resolve) => response.once('end', resolve));
  return { request: requestCount, response: responseCount };
}

test('with the inspector off, not one listener more than without history; on, one per body', async (t) => {
  const bare = await dataListeners(t, 'no history');
  const off = await dataListeners(t, 'inspector off');
  const on = await dataListeners(t, 'inspector on');
  assert.ok(bare.request > 0 && bare.response > 0, JSON.stringify(bare));
  assert.deepEqual(off, bare);
  assert.deepEqual(on, { request: bare.request + 1, response: bare.response + 1 });
});
