// The HAR export (shared/har.ts) checked against the HAR 1.2 JSON schemas of the `har-schema`
// package with ajv: captured and metadata-only entries, urls without queries, memex's `_` fields.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Ajv, type AnySchemaObject } from 'ajv';
import type { Capture, HistoryRow } from '../../shared/history.js';
import { toHar, toUrl, type Har } from '../../shared/har.js';

const require = createRequire(import.meta.url);
const CREATOR = { name: 'memex', version: '0.1.0' };

function isSchema(value: unknown): value is AnySchemaObject {
  return (
    typeof value === 'object' && value !== null && typeof Reflect.get(value, '$id') === 'string'
  );
}

/** A validator for a whole HAR file, from har-schema's schemas (JSON Schema draft-06). */
function harValidator(): (har: Har) => string[] {
  // har-schema is CommonJS and ships no types: its exports are parsed, not cast.
  const exported: unknown = require('har-schema');
  assert.ok(typeof exported === 'object' && exported !== null, 'har-schema exports its schemas');
  const schemas = Object.values(exported).filter(isSchema);
  assert.ok(schemas.length >= 18, `har-schema has its 18 schemas (found ${schemas.length})`);
  // `optional` and `unique` are the schemas' own notes (no page ids here to be unique); `min` is
  // meant as a minimum, so it is enforced as one.
  // The formats are the few the schemas name (ajv leaves formats to a plugin).
  const ajv = new Ajv({ strictTypes: false, allErrors: true });
  const draft6: unknown = require('ajv/dist/refs/json-schema-draft-06.json');
  assert.ok(isSchema(draft6));
  ajv.addMetaSchema(draft6);
  ajv.addKeyword({ keyword: 'optional', schemaType: 'boolean' });
  ajv.addKeyword({ keyword: 'unique', schemaType: 'boolean' });
  ajv.addKeyword({
    keyword: 'min',
    type: 'number',
    schemaType: 'number',
    validate: (min: number, value: number) => value >= min,
  });
  ajv.addFormat('date-time', (text) => !Number.isNaN(Date.parse(text)));
  ajv.addFormat('uri', (text) => URL.canParse(text));
  ajv.addFormat('ipv4', /^(?:\d{1,3}\.){3}\d{1,3}$/);
  ajv.addFormat('ipv6', (text) => URL.canParse(`http://[${text}]/`));
  for (const schema of schemas) ajv.addSchema(schema);
  const validate = ajv.getSchema('har.json#');
  assert.ok(validate !== undefined, 'har.json# is the whole file');
  return (har) =>
    validate(har) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

function row(overrides: Partial<HistoryRow> = {}): HistoryRow {
  return {
    id: 1,
    time: Date.UTC(2025, 0, 15, 9, 30, 4, 250),
    day: '2025-01-15',
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 1234,
    ttfbMs: 400,
    firstContentMs: 520,
    bytesIn: 2048,
    bytesOut: 15_000,
    model: 'claude-sonnet-4-5',
    usageKind: 'counted',
    input: 12,
    output: 345,
    cacheRead: 30_000,
    cacheWrite: 500,
    cost: 0.0142,
    client: 'Claude Code',
    clientVersion: '2.1.332',
    session: '3f2a9c1e-7b4d-4e8a-9c61-0d5f2b8e4a17',
    projectRoot: '/Users/dana/src/memex',
    projectName: 'memex',
    branch: 'main',
    processName: 'claude',
    pid: 48213,
    user: null,
    ...overrides,
  };
}

const REQUEST_TEXT = '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"Hi"}]}';
const REPLY_TEXT = '{"content":[{"type":"text","text":"Hello"}]}';

const CAPTURE: Capture = {
  requestHeaders: [
    ['content-type', 'application/json'],
    ['x-api-key', '[redacted]'],
  ],
  responseHeaders: [['Content-Type', 'application/json']],
  requestBody: { text: REQUEST_TEXT, bytes: REQUEST_TEXT.length, truncated: false },
  responseBody: { text: REPLY_TEXT, bytes: 300, truncated: true },
  events: null,
};

const STREAM: Capture = {
  requestHeaders: [['content-type', 'application/json']],
  responseHeaders: [['content-type', 'text/event-stream']],
  requestBody: null,
  responseBody: { text: null, bytes: 80, truncated: false },
  events: [
    { event: 'message_start', data: '{"type":"message_start"}' },
    { event: '', data: 'two\nlines' },
  ],
};

/** Every kind of entry: captured, streamed, metadata only, refused, no response, local. */
function sample(): Har {
  const rows = [
    row({ id: 1 }),
    row({ id: 2, path: '/v1/messages', ttfbMs: null }),
    row({ id: 3, model: null, usageKind: null, input: null, output: null, cost: null }),
    row({ id: 4, host: '', path: '/nowhere', status: 403, client: null, projectRoot: null }),
    row({ id: 5, status: 0, complete: false, ttfbMs: null, durationMs: 30_000 }),
    row({ id: 6, host: 'localhost:11434', path: '/api/chat', schema: 'ollama' }),
  ];
  return toHar(
    rows,
    new Map([
      [1, CAPTURE],
      [2, STREAM],
    ]),
    CREATOR,
  );
}

function entry(har: Har, index: number) {
  const found = har.log.entries[index];
  assert.ok(found !== undefined, `entry ${index}`);
  return found;
}

test('a HAR of captured and metadata-only requests is valid HAR 1.2', () => {
  const validate = harValidator();
  const har = sample();
  assert.deepEqual(validate(har), []);
  assert.equal(har.log.version, '1.2');
  assert.deepEqual(har.log.creator, CREATOR);
  assert.equal(har.log.entries.length, 6);
  // Its own check is not vacuous: a HAR missing a required field fails it.
  const broken = { log: { ...har.log, entries: [{ ...entry(har, 0), timings: {} }] } };
  assert.notDeepEqual(validate(broken as unknown as Har), []);
  const negative = { send: 0, wait: -5, receive: 0 };
  const early = { log: { ...har.log, entries: [{ ...entry(har, 0), timings: negative }] } };
  assert.notDeepEqual(validate(early), []);
});

test('an empty history is a valid HAR with no entries', () => {
  const har = toHar([], new Map(), CREATOR);
  assert.deepEqual(harValidator()(har), []);
  assert.deepEqual(har.log.entries, []);
});

test('no url carries a query string or fragment, and the scheme follows the host', () => {
  const cases: [host: string, path: string, url: string][] = [
    ['api.anthropic.com', '/v1/messages', 'https://api.anthropic.com/v1/messages'],
    [
      'api.openai.com',
      '/v1/chat/completions?key=sk-123',
      'https://api.openai.com/v1/chat/completions',
    ],
    [
      'generativelanguage.googleapis.com',
      '/v1beta/models/x:gen#frag',
      'https://generativelanguage.googleapis.com/v1beta/models/x:gen',
    ],
    ['localhost:11434', '/api/chat', 'http://localhost:11434/api/chat'],
    ['127.0.0.1:8081', '/v1/messages', 'http://127.0.0.1:8081/v1/messages'],
    ['192.168.1.20:11434', '/api/generate', 'http://192.168.1.20:11434/api/generate'],
    ['[::1]:11434', '/api/chat', 'http://[::1]:11434/api/chat'],
    ['', '/refused', 'http://memex.invalid/refused'],
    ['api.anthropic.com', '/a b/<script>', 'https://api.anthropic.com/a%20b/%3Cscript%3E'],
    ['bad host name', '/v1', 'http://memex.invalid/v1'],
  ];
  for (const [host, path, url] of cases) assert.equal(toUrl(host, path), url, `${host} ${path}`);
  const rows = cases.map(([host, path], i) => row({ id: i + 1, host, path }));
  for (const { request } of toHar(rows, new Map(), CREATOR).log.entries) {
    assert.equal(new URL(request.url).search, '', request.url);
    assert.doesNotMatch(request.url, /sk-123|frag/);
    assert.deepEqual(request.queryString, []);
  }
});

test('a request without a capture keeps its metadata only', () => {
  const { request, response, timings, time } = entry(sample(), 2);
  assert.deepEqual(request.headers, []);
  assert.equal(request.postData, undefined);
  assert.equal(request.bodySize, 2048);
  assert.deepEqual(response.headers, []);
  assert.deepEqual(response.content, { size: 0, mimeType: '' });
  assert.equal(response.bodySize, -1);
  assert.equal(response.status, 200);
  assert.deepEqual(timings, { send: 0, wait: 400, receive: 834 });
  assert.equal(time, 1234);
});

test('a captured request has its headers and bodies, credentials as the capture redacted them', () => {
  const { request, response, startedDateTime } = entry(sample(), 0);
  assert.equal(startedDateTime, '2025-01-15T09:30:04.250Z');
  assert.deepEqual(request.headers, [
    { name: 'content-type', value: 'application/json' },
    { name: 'x-api-key', value: '[redacted]' },
  ]);
  assert.deepEqual(request.postData, { mimeType: 'application/json', text: REQUEST_TEXT });
  assert.deepEqual(response.headers, [{ name: 'Content-Type', value: 'application/json' }]);
  assert.equal(response.content.text, REPLY_TEXT);
  assert.equal(response.content.mimeType, 'application/json');
  assert.match(response.content.comment ?? '', /truncated/);
  assert.equal(response.bodySize, 300);
});

test("a stream's reply is written back from its events when its text was not kept", () => {
  const { request, response, timings } = entry(sample(), 1);
  assert.equal(request.postData, undefined);
  assert.equal(
    response.content.text,
    'event: message_start\ndata: {"type":"message_start"}\n\ndata: two\ndata: lines\n\n',
  );
  assert.equal(response.content.mimeType, 'text/event-stream');
  // Without a first byte, the wait is the whole exchange.
  assert.deepEqual(timings, { send: 0, wait: 1234, receive: 0 });
});

test("memex's own fields are named with an underscore", () => {
  const har = sample();
  const first = entry(har, 0);
  assert.equal(first._schema, 'anthropic');
  assert.equal(first._complete, true);
  assert.equal(first._model, 'claude-sonnet-4-5');
  assert.deepEqual(first._tokens, { input: 12, output: 345, cacheRead: 30_000, cacheWrite: 500 });
  assert.equal(first._cost, 0.0142);
  assert.deepEqual(first._client, { name: 'Claude Code', version: '2.1.332' });
  assert.equal(first._session, '3f2a9c1e-7b4d-4e8a-9c61-0d5f2b8e4a17');
  assert.deepEqual(first._project, {
    root: '/Users/dana/src/memex',
    name: 'memex',
    branch: 'main',
  });
  const bare = entry(har, 2);
  assert.equal(bare._model, null);
  assert.equal(bare._tokens, null);
  assert.equal(bare._cost, null);
  const refused = entry(har, 3);
  assert.equal(refused._client, null);
  assert.equal(refused._project, null);
  assert.equal(entry(har, 4)._complete, false);
  for (const found of har.log.entries) {
    const own = Object.keys(found).filter(
      (key) =>
        !['startedDateTime', 'time', 'request', 'response', 'cache', 'timings'].includes(key),
    );
    assert.ok(
      own.every((key) => key.startsWith('_')),
      own.join(', '),
    );
  }
});
