// The metrics book's pure parts, as tables: status classes, model and client labels, the label
// bounds (first come, first kept; the rest under `other`), histogram buckets, and the choice
// between OpenMetrics and Prometheus text.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wantsOpenMetrics } from '../../../proxy-core/http/metrics-endpoint.js';
import {
  CLIENT_LABELS,
  HOST_LABELS,
  MetricsBook,
  USER_LABELS,
  toClientLabel,
  toModelLabel,
  toStatusClass,
} from '../../../proxy-core/observe/metrics.js';
import { toFamilies, type LiveState } from '../../../proxy-core/observe/metrics-families.js';
import type { RequestRecord } from '../../../shared/snapshot.js';

const IDLE: LiveState = {
  active: 0,
  websockets: { total: 0, active: 0 },
  limits: { accounts: [], errors: [] },
};

function record(fields: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: 0,
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 1_000,
    ttfbMs: 100,
    bytesIn: 0,
    bytesOut: 0,
    ...fields,
  };
}

test('a status class per status; error when no status came or the response was cut', () => {
  const cases: [status: number, complete: boolean, want: string][] = [
    [101, true, '1xx'],
    [200, true, '2xx'],
    [204, true, '2xx'],
    [304, true, '3xx'],
    [429, true, '4xx'],
    [529, true, '5xx'],
    [200, false, 'error'],
    [0, false, 'error'],
    [0, true, 'error'],
    [999, true, 'error'],
  ];
  for (const [status, complete, want] of cases) {
    assert.equal(toStatusClass({ status, complete }), want, `${status} ${complete}`);
  }
});

test('model labels: names kept, a file path cut to its file name, no control characters', () => {
  const cases: [model: string, want: string][] = [
    ['claude-sonnet-4-5', 'claude-sonnet-4-5'],
    ['meta-llama/Llama-3.1-8B-Instruct', 'meta-llama/Llama-3.1-8B-Instruct'],
    ['models/gemini-2.5-pro', 'models/gemini-2.5-pro'],
    ['/srv/models/llama-3-8b.gguf', 'llama-3-8b.gguf'],
    ['~/models/qwen.gguf', 'qwen.gguf'],
    ['C:\\Users\\alice\\models\\phi-3.gguf', 'phi-3.gguf'],
    ['./local/model.bin', 'model.bin'],
    ['/srv/models/', 'unknown'],
    ['gpt-4.1\n\u0000', 'gpt-4.1'],
    ['', 'unknown'],
    ['x'.repeat(300), 'x'.repeat(100)],
  ];
  for (const [model, want] of cases) assert.equal(toModelLabel(model), want, model);
});

test('client labels: known names kept, an unknown agent cut to its product token', () => {
  const cases: [name: string, want: string][] = [
    ['Claude Code', 'Claude Code'],
    ['OpenAI SDK (JS)', 'OpenAI SDK (JS)'],
    ['Node.js fetch', 'Node.js fetch'],
    ['unknown', 'unknown'],
    ['', 'unknown'],
    ['my-agent/1.2 (linux; /home/alice/project)', 'my-agent'],
    ['Mozilla/5.0 (X11; Linux x86_64)', 'Mozilla'],
    ['agent2', 'agent2'],
    ['tool 1.2 pid 4242', 'other'],
    ['/home/alice/bin/run', 'other'],
    ['sk-ant-api03-' + 'a'.repeat(47), 'other'],
    ['x;rm', 'other'],
  ];
  for (const [name, want] of cases) assert.equal(toClientLabel(name), want, name);
});

test('clients and tunnel hosts past their bound are counted as other, the first ones kept', () => {
  const book = new MetricsBook();
  for (let i = 0; i < CLIENT_LABELS + 10; i++) {
    book.request(record({ client: { name: `agent-${i}`, version: null } }));
  }
  for (let i = 0; i < HOST_LABELS + 50; i++) book.tunnel(`host-${i}.example`);
  book.tunnel('host-0.example');
  const families = toFamilies(book, IDLE);
  const requests = families.find((f) => f.name === 'memex_requests_total')?.values ?? [];
  const clients = requests.map((sample) => String(sample.labels['client']));
  assert.equal(new Set(clients).size, CLIENT_LABELS + 1);
  assert.equal(requests.find((s) => s.labels['client'] === 'other')?.value, 10);
  assert.equal(requests.find((s) => s.labels['client'] === 'agent-0')?.value, 1);
  const tunnels = families.find((f) => f.name === 'memex_tunnels_total')?.values ?? [];
  assert.equal(tunnels.length, HOST_LABELS + 1);
  assert.equal(tunnels.find((s) => s.labels['host'] === 'other')?.value, 50);
  assert.equal(tunnels.find((s) => s.labels['host'] === 'host-0.example')?.value, 2);
});

test('a user label only where credentials named a user; users past their bound are other', () => {
  const book = new MetricsBook();
  book.request(record());
  const counted = {
    kind: 'counted',
    model: 'm',
    tokens: { input: 1, output: 2, cacheRead: 0, cacheWrite: 0 },
  } as const;
  for (let i = 0; i < USER_LABELS + 5; i++) {
    book.request(record({ user: `user-${i}`, usage: counted }));
  }
  book.request(record({ user: 'user-0\u0007', usage: counted }));
  book.tunnel('api.openai.com', 'user-1');
  book.tunnel('api.openai.com', null);
  const families = toFamilies(book, IDLE);
  const samples = (
    name: string,
  ): readonly { labels: Readonly<Record<string, unknown>>; value: number }[] =>
    families.find((f) => f.name === name)?.values ?? [];
  const requests = samples('memex_requests_total');
  assert.equal(requests.filter((s) => !('user' in s.labels)).length, 1, 'no user, no label');
  assert.equal(new Set(requests.map((s) => s.labels['user'])).size, USER_LABELS + 2);
  assert.equal(requests.find((s) => s.labels['user'] === 'other')?.value, 5);
  assert.equal(requests.find((s) => s.labels['user'] === 'user-0')?.value, 2);
  const tokens = samples('memex_tokens_total').filter(
    (s) => s.labels['user'] === 'user-0' && s.labels['type'] === 'output',
  );
  assert.deepEqual(
    tokens.map((s) => s.value),
    [4],
  );
  assert.deepEqual(
    samples('memex_tunnels_total').map((s) => s.labels),
    [{ host: 'api.openai.com', user: 'user-1' }, { host: 'api.openai.com' }],
  );
});

test('durations land in the first bucket at least as large; a WebSocket session is no duration', () => {
  const book = new MetricsBook();
  for (const durationMs of [50, 51, 600_000, 700_000]) book.request(record({ durationMs }));
  book.request(record({ status: 101, method: 'GET', durationMs: 3_600_000 }));
  book.request(record({ status: 101, method: 'WS', durationMs: 2_000 }));
  const duration = toFamilies(book, IDLE).find((f) => f.name === 'memex_request_duration_seconds');
  const bucket = (le: number | string) =>
    duration?.values.find(
      (s) => s.metricName?.endsWith('_bucket') === true && s.labels['le'] === le,
    )?.value;
  assert.equal(bucket(0.05), 1);
  assert.equal(bucket(0.1), 2);
  assert.equal(bucket(2.5), 3);
  assert.equal(bucket(600), 4);
  assert.equal(bucket('+Inf'), 5);
  const sum = duration?.values.find((s) => s.metricName === 'memex_request_duration_seconds_sum');
  assert.equal(sum?.value, 0.05 + 0.051 + 600 + 700 + 2);
});

test('OpenMetrics when the Accept header names it with a weight above 0', () => {
  const cases: [accept: string | undefined, want: boolean][] = [
    [undefined, false],
    ['', false],
    ['text/plain;version=0.0.4', false],
    ['*/*', false],
    ['application/openmetrics-text', true],
    ['Application/OpenMetrics-Text; version=1.0.0', true],
    ['text/plain;q=0.5, application/openmetrics-text;version=1.0.0;q=0.6', true],
    ['application/openmetrics-text;q=0', false],
    ['application/openmetrics-text; q=0.0, text/plain', false],
  ];
  for (const [accept, want] of cases) assert.equal(wantsOpenMetrics(accept), want, accept);
});
