import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCapture } from '../../../proxy-core/history/capture.js';
import {
  parseCaptureMap,
  parseDetail,
  parseFromThread,
  parsePage,
  parsePricing,
  parseThreadOptions,
  parseToThread,
} from '../../../proxy-core/history/protocol.js';
import { parseRequestRecord, parseTunnelInput } from '../../../proxy-core/history/record.js';
import { capture, record, tunnel } from './fixtures.js';

test('a RequestRecord survives parsing whole; any malformed field refuses it', () => {
  const full = record({ firstContentMs: 5, user: 'alice' });
  assert.deepEqual(parseRequestRecord(full), full);
  const bad: readonly Record<string, unknown>[] = [
    { time: -1 },
    { time: '1' },
    { status: 1.5 },
    { schema: 'soap' },
    { complete: 'yes' },
    { ttfbMs: null },
    { usage: { kind: 'counted', model: 'm', tokens: { input: 1 } } },
    { usage: { kind: 'guessed', model: 'm' } },
    { client: { name: 'x' } },
    { process: { pid: 'x', name: 'n', cwd: null } },
    { project: { root: '/r', name: 'r' } },
    { session: 7 },
  ];
  for (const fields of bad) {
    assert.equal(parseRequestRecord({ ...full, ...fields }), undefined, JSON.stringify(fields));
  }
  assert.equal(parseRequestRecord(null), undefined);
});

test('a TunnelInput survives parsing; a malformed one is refused', () => {
  const input = tunnel({ project: null });
  assert.deepEqual(parseTunnelInput(input), input);
  assert.equal(parseTunnelInput({ ...input, client: null }), undefined);
  assert.equal(parseTunnelInput({ ...input, bytesIn: -5 }), undefined);
  const admitted = { ...input, user: 'alice' };
  assert.deepEqual(parseTunnelInput(admitted), admitted);
  assert.equal(parseTunnelInput({ ...input, user: 7 }), undefined);
});

test('messages to the thread: writes, known calls with valid arguments, nothing else', () => {
  assert.deepEqual(parseToThread({ type: 'write', requests: [1], tunnels: [] }), {
    type: 'write',
    requests: [1],
    tunnels: [],
    captures: [],
  });
  assert.deepEqual(
    parseToThread({ type: 'write', requests: [1], tunnels: [], captures: [[0, {}]] }),
    { type: 'write', requests: [1], tunnels: [], captures: [[0, {}]] },
  );
  assert.deepEqual(parseToThread({ type: 'call', id: 4, call: { method: 'detail', id: 7 } }), {
    type: 'call',
    id: 4,
    call: { method: 'detail', id: 7 },
  });
  assert.deepEqual(
    parseToThread({ type: 'call', id: 5, call: { method: 'captures', ids: [1, 2] } }),
    { type: 'call', id: 5, call: { method: 'captures', ids: [1, 2] } },
  );
  assert.deepEqual(
    parseToThread({ type: 'call', id: 3, call: { method: 'dayTotals', sinceDay: '2025-01-01' } }),
    {
      type: 'call',
      id: 3,
      call: { method: 'dayTotals', sinceDay: '2025-01-01' },
    },
  );
  const bad: readonly unknown[] = [
    { type: 'write', requests: {}, tunnels: [] },
    { type: 'write', requests: [], tunnels: [], captures: {} },
    { type: 'call', id: 1, call: { method: 'detail', id: '7' } },
    { type: 'call', id: 1, call: { method: 'captures', ids: [1, 'x'] } },
    {
      type: 'call',
      id: 1,
      call: { method: 'captures', ids: Array.from({ length: 101 }, (_, i) => i) },
    },
    { type: 'call', id: 'x', call: { method: 'stats' } },
    { type: 'call', id: 1, call: { method: 'drop table' } },
    { type: 'call', id: 1, call: { method: 'dayTotals', sinceDay: 'yesterday' } },
    { type: 'call', id: 1, call: { method: 'query', filter: { limit: 'all' } } },
    { type: 'call', id: 1, call: { method: 'importUsage', snapshot: { version: 2, days: {} } } },
    { type: 'call', id: 1, call: { method: 'setPricing', pricing: { m: { input_per_mtok: -1 } } } },
    'write',
  ];
  for (const value of bad) assert.equal(parseToThread(value), undefined, JSON.stringify(value));
});

test('messages from the thread, and a page whose rows are not rows', () => {
  assert.deepEqual(parseFromThread({ type: 'problem', message: 'm' }), {
    type: 'problem',
    message: 'm',
  });
  assert.deepEqual(parseFromThread({ type: 'reply', id: 1, ok: false, message: 'no' }), {
    type: 'reply',
    id: 1,
    ok: false,
    message: 'no',
  });
  assert.equal(parseFromThread({ type: 'reply', id: 1, ok: false }), undefined);
  assert.equal(parseFromThread({ type: 'reply', ok: true, value: 1 }), undefined);
  assert.equal(parsePage({ rows: [{ id: 1 }], next: null }), undefined);
  assert.deepEqual(parsePage({ rows: [], next: null }), { rows: [], next: null });
});

test('thread options and pricing are checked field by field', () => {
  assert.deepEqual(parseThreadOptions({ file: '/f', maxMb: 5 }), {
    file: '/f',
    pricing: {},
    maxMb: 5,
  });
  assert.equal(parseThreadOptions({ file: 1 }), undefined);
  assert.equal(parseThreadOptions({ file: '/f', retentionDays: 'forever' }), undefined);
  assert.deepEqual(parseThreadOptions({ file: '/f', captureRetentionHours: 2 }), {
    file: '/f',
    pricing: {},
    captureRetentionHours: 2,
  });
  assert.equal(parseThreadOptions({ file: '/f', captureRetentionHours: -1 }), undefined);
  assert.deepEqual(parsePricing({ 'gpt-*': { output_per_mtok: 10, note: 'x' } }), {
    'gpt-*': { output_per_mtok: 10 },
  });
  assert.equal(parsePricing({ 'gpt-*': 5 }), undefined);
});

test('a Capture survives parsing whole; any malformed part refuses it', () => {
  const full = capture();
  assert.deepEqual(parseCapture(full), full);
  const empty = capture({ requestBody: null, responseBody: null, events: null });
  assert.deepEqual(parseCapture(empty), empty);
  const bad: readonly Record<string, unknown>[] = [
    { requestHeaders: [['name']] },
    { requestHeaders: [['name', 1]] },
    { responseHeaders: null },
    { requestBody: { text: 'x', bytes: -1, truncated: false } },
    { responseBody: { text: 1, bytes: 1, truncated: false } },
    { responseBody: { text: null, bytes: 1, truncated: 'no' } },
    { events: [{ event: 'e' }] },
    { events: undefined },
  ];
  for (const fields of bad) {
    assert.equal(parseCapture({ ...full, ...fields }), undefined, JSON.stringify(fields));
  }
});

test('detail and captures replies are parsed; anything else is malformed', () => {
  const row = { ...ROW, id: 3 };
  assert.equal(parseDetail(null), null);
  assert.deepEqual(parseDetail({ row, capture: null }), { row, capture: null });
  assert.deepEqual(parseDetail({ row, capture: capture() }), { row, capture: capture() });
  assert.equal(parseDetail({ row, capture: { events: [] } }), undefined);
  assert.equal(parseDetail({ row: { id: 3 }, capture: null }), undefined);
  assert.deepEqual(parseCaptureMap([[3, capture()]]), new Map([[3, capture()]]));
  assert.deepEqual(parseCaptureMap([]), new Map());
  assert.equal(parseCaptureMap([['3', capture()]]), undefined);
  assert.equal(parseCaptureMap({}), undefined);
});

// A row as the thread sends one back.
const ROW = {
  id: 1,
  time: 1,
  day: '2025-03-10',
  method: 'POST',
  host: 'api.anthropic.com',
  path: '/v1/messages',
  schema: 'anthropic',
  status: 200,
  complete: true,
  durationMs: 1,
  ttfbMs: null,
  firstContentMs: null,
  bytesIn: 0,
  bytesOut: 0,
  model: null,
  usageKind: null,
  input: null,
  output: null,
  cacheRead: null,
  cacheWrite: null,
  cost: null,
  client: null,
  clientVersion: null,
  session: null,
  projectRoot: null,
  projectName: null,
  branch: null,
  processName: null,
  pid: null,
  user: null,
};
