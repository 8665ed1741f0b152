// The GenAI semantic conventions' attributes memex derives without reading request bodies
// (genai.ts), and the OTLP measurements of one record (otlp-measure.ts): names, values, bounds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestRecord } from '../../../shared/snapshot.js';
import {
  errorType,
  operationName,
  providerName,
  requestModel,
} from '../../../proxy-core/observe/genai.js';
import { OtlpMeasures, type Measurement } from '../../../proxy-core/observe/otlp-measure.js';

function record(overrides: Partial<RequestRecord>): RequestRecord {
  return {
    time: 0,
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 1500,
    ttfbMs: 300,
    bytesIn: 10,
    bytesOut: 20,
    ...overrides,
  };
}

test('the provider is the host’s where it names one, else the schema’s', () => {
  assert.equal(providerName('anthropic', 'api.anthropic.com'), 'anthropic');
  assert.equal(providerName('openai', 'api.openai.com:443'), 'openai');
  assert.equal(providerName('openai', 'my-team.openai.azure.com'), 'azure.ai.openai');
  assert.equal(providerName('openai', 'api.deepseek.com'), 'deepseek');
  assert.equal(providerName('anthropic', 'bedrock-runtime.us-east-1.amazonaws.com'), 'aws.bedrock');
  assert.equal(providerName('anthropic', 'us-east5-aiplatform.googleapis.com'), 'gcp.vertex_ai');
  assert.equal(providerName('gemini', 'generativelanguage.googleapis.com'), 'gcp.gemini');
  assert.equal(providerName('openai', '127.0.0.1:8080'), 'openai');
  assert.equal(providerName('ollama', 'localhost:11434'), 'ollama');
});

test('only generation and embedding calls are GenAI operations', () => {
  const cases: [Partial<RequestRecord>, string | null][] = [
    [{ schema: 'anthropic', path: '/v1/messages' }, 'chat'],
    [{ schema: 'anthropic', path: '/v1/messages/count_tokens' }, null],
    [{ schema: 'anthropic', path: '/v1/messages/batches' }, null],
    [{ schema: 'openai', path: '/v1/chat/completions' }, 'chat'],
    [{ schema: 'openai', path: '/v1/completions' }, 'text_completion'],
    [{ schema: 'openai', path: '/v1/embeddings' }, 'embeddings'],
    [{ schema: 'openai-responses', path: '/backend-api/codex/responses' }, 'chat'],
    [{ schema: 'openai-responses', path: '/v1/responses/resp_1', method: 'GET' }, null],
    [{ schema: 'openai-responses', path: '/v1/responses', method: 'WS' }, 'chat'],
    [{ schema: 'openai-responses', path: '/v1/responses', method: 'GET', status: 101 }, null],
    [
      { schema: 'gemini', path: '/v1beta/models/gemini-2.5-pro:streamGenerateContent' },
      'generate_content',
    ],
    [{ schema: 'gemini', path: '/v1beta/models/text-embedding-004:embedContent' }, 'embeddings'],
    [{ schema: 'gemini', path: '/v1beta/models/gemini-2.5-pro:countTokens' }, null],
    [
      { schema: 'gemini-live', path: '/ws/x.GenerativeService.BidiGenerateContent', method: 'WS' },
      'generate_content',
    ],
    [{ schema: 'ollama', path: '/api/generate' }, 'text_completion'],
    [{ schema: 'ollama', path: '/api/tags', method: 'GET' }, null],
    [{ schema: 'unknown', path: '/v1/whatever' }, null],
  ];
  for (const [overrides, expected] of cases) {
    assert.equal(operationName(record(overrides)), expected, JSON.stringify(overrides));
  }
});

test('the request model is read from a Gemini path only; failures name their error type', () => {
  assert.equal(
    requestModel('gemini', '/v1beta/models/gemini-2.5-flash:generateContent'),
    'gemini-2.5-flash',
  );
  assert.equal(requestModel('anthropic', '/v1/messages'), null);
  assert.equal(errorType({ status: 200, complete: true }), null);
  assert.equal(errorType({ status: 429, complete: true }), '429');
  assert.equal(errorType({ status: 200, complete: false }), 'response_incomplete');
  assert.equal(errorType({ status: 0, complete: false }), 'no_response');
});

test('a counted response gives the conventions’ whole-prompt input, memex’s four token types and its cost', () => {
  const measures = new OtlpMeasures();
  measures.setPricing({ 'claude-*': { input_per_mtok: 1_000_000, output_per_mtok: 2_000_000 } });
  const into: Measurement[] = [];
  measures.ofRequest(
    record({
      firstContentMs: 350,
      client: { name: 'Claude Code', version: '2.1.0' },
      user: 'alice',
      usage: {
        kind: 'counted',
        model: 'claude-sonnet-4-5',
        tokens: { input: 10, output: 5, cacheRead: 3, cacheWrite: 2 },
      },
    }),
    into,
  );
  const byName = (name: string): Measurement[] => into.filter((m) => m.instrument === name);
  const usage = byName('gen_ai.client.token.usage');
  assert.deepEqual(
    usage.map((m) => [m.attributes['gen_ai.token.type'], m.value]),
    [
      ['input', 15],
      ['output', 5],
    ],
  );
  assert.deepEqual(usage[0]?.attributes, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.response.model': 'claude-sonnet-4-5',
    'gen_ai.token.type': 'input',
    'user.name': 'alice',
  });
  assert.deepEqual(
    byName('gen_ai.client.operation.duration').map((m) => m.value),
    [1.5],
  );
  assert.deepEqual(
    byName('gen_ai.client.operation.time_to_first_chunk').map((m) => m.value),
    [0.3],
  );
  assert.deepEqual(
    byName('memex.tokens').map((m) => [m.attributes['memex.token.type'], m.value]),
    [
      ['input', 10],
      ['output', 5],
      ['cache_read', 3],
      ['cache_write', 2],
    ],
  );
  assert.deepEqual(
    byName('memex.cost').map((m) => m.value),
    [20],
  );
  assert.deepEqual(byName('memex.requests')[0]?.attributes, {
    'memex.schema': 'anthropic',
    'memex.client': 'Claude Code',
    'user.name': 'alice',
    'http.response.status_code': 200,
  });
});

test('a failed call is timed with its error type and adds no token usage', () => {
  const into: Measurement[] = [];
  new OtlpMeasures().ofRequest(record({ status: 529 }), into);
  const duration = into.find((m) => m.instrument === 'gen_ai.client.operation.duration');
  assert.equal(duration?.attributes['error.type'], '529');
  assert.equal(into.filter((m) => m.instrument === 'gen_ai.client.token.usage').length, 0);
  assert.equal(
    into.find((m) => m.instrument === 'memex.requests')?.attributes['error.type'],
    '529',
  );
});

test('200 distinct models keep at most 50 model values, the rest counted as other', () => {
  const measures = new OtlpMeasures();
  const into: Measurement[] = [];
  for (let i = 0; i < 200; i++) {
    measures.ofRequest(
      record({
        usage: {
          kind: 'counted',
          model: `model-${i}`,
          tokens: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
        },
      }),
      into,
    );
  }
  const models = new Set(
    into
      .filter((m) => m.instrument === 'gen_ai.client.token.usage')
      .map((m) => m.attributes['gen_ai.response.model']),
  );
  assert.equal(models.size, 51);
  assert.ok(models.has('other'));
  const inputs = into.filter(
    (m) =>
      m.instrument === 'gen_ai.client.token.usage' && m.attributes['gen_ai.token.type'] === 'input',
  );
  assert.equal(
    inputs.reduce((sum, m) => sum + m.value, 0),
    200,
  );
});

test('a tunnel is counted by host, and by user where credentials named one', () => {
  const measures = new OtlpMeasures();
  assert.deepEqual(measures.ofTunnel('api.anthropic.com', 'bob').attributes, {
    'server.address': 'api.anthropic.com',
    'user.name': 'bob',
  });
  assert.deepEqual(measures.ofTunnel('api.openai.com', null).attributes, {
    'server.address': 'api.openai.com',
  });
});
