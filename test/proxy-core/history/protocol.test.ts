import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseFromThread,
  parsePage,
  parsePricing,
  parseThreadOptions,
  parseToThread,
} from '../../../proxy-core/history/protocol.js';
import { parseRequestRecord, parseTunnelInput } from '../../../proxy-core/history/record.js';
import { record, tunnel } from './fixtures.js';

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
});

test('messages to the thread: writes, known calls with valid arguments, nothing else', () => {
  assert.deepEqual(parseToThread({ type: 'write', requests: [1], tunnels: [] }), {
    type: 'write',
    requests: [1],
    tunnels: [],
  });
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
  assert.deepEqual(parsePricing({ 'gpt-*': { output_per_mtok: 10, note: 'x' } }), {
    'gpt-*': { output_per_mtok: 10 },
  });
  assert.equal(parsePricing({ 'gpt-*': 5 }), undefined);
});
