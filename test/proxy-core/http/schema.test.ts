import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  classifyHost,
  detectSchema,
  SCHEMAS,
  type SchemaId,
} from '../../../proxy-core/http/schema.js';

// Tests run from dist/test/proxy-core/; the fixtures are not compiled, so reach back to test/.
const PATHS_FIXTURE = new URL('../../../../test/fixtures/wire/paths.json', import.meta.url);

interface PathRow {
  readonly method: string;
  readonly path: string;
  readonly schema: string;
}

/** The schema family a paths.json `schema` field names (`anthropic.batches` → `anthropic`). */
function familyOf(schema: string): SchemaId {
  if (schema.startsWith('ambiguous')) return 'unknown';
  if (schema.startsWith('anthropic.')) return 'anthropic';
  if (schema === 'openai.responses') return 'openai-responses';
  if (schema.startsWith('openai.')) return 'openai';
  if (schema.startsWith('gemini.')) return 'gemini';
  if (schema.startsWith('ollama.')) return 'ollama';
  throw new Error(`paths.json schema "${schema}" names no family`);
}

function withoutQuery(path: string): string {
  const queryAt = path.indexOf('?');
  return queryAt === -1 ? path : path.slice(0, queryAt);
}

function detectAll(paths: readonly string[]): [string, SchemaId][] {
  return paths.map((path) => [path, detectSchema(path)]);
}

test('every path in the wire fixtures is detected as the family of its schema', () => {
  const fixture = JSON.parse(readFileSync(PATHS_FIXTURE, 'utf8')) as { paths: PathRow[] };
  assert.ok(fixture.paths.length >= 30, `only ${fixture.paths.length} rows in paths.json`);

  const got = fixture.paths.map((row) => [row.path, detectSchema(withoutQuery(row.path))]);
  const want = fixture.paths.map((row) => [row.path, familyOf(row.schema)]);
  assert.deepEqual(got, want);
});

test('detects Anthropic Messages paths, count_tokens, batches, Vertex and Bedrock', () => {
  const paths = [
    '/v1/messages',
    '/v1/messages/count_tokens',
    '/v1/messages/batches',
    '/v1/messages/batches/msgbatch_01/results',
    '/anthropic/v1/messages',
    '/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict',
    '/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict',
    '/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke',
    '/model/anthropic.claude-3-5-sonnet-20240620-v1:0/invoke-with-response-stream',
  ];
  assert.deepEqual(
    detectAll(paths),
    paths.map((path) => [path, 'anthropic']),
  );
});

test('detects OpenAI Chat Completions, legacy completions and embeddings, Azure included', () => {
  const paths = [
    '/v1/chat/completions',
    '/chat/completions',
    '/openai/v1/chat/completions',
    '/v1beta/openai/chat/completions',
    '/api/v1/chat/completions',
    '/openai/deployments/gpt-4o/chat/completions',
    '/v1/completions',
    '/v1/embeddings',
    '/openai/deployments/davinci/completions',
    '/openai/deployments/ada/embeddings',
  ];
  assert.deepEqual(
    detectAll(paths),
    paths.map((path) => [path, 'openai']),
  );
});

test('detects the OpenAI Responses API apart from Chat Completions', () => {
  const paths = [
    '/v1/responses',
    '/v1/responses/resp_123',
    '/openai/v1/responses',
    '/openai/responses',
  ];
  assert.deepEqual(
    detectAll(paths),
    paths.map((path) => [path, 'openai-responses']),
  );
});

test('detects Gemini generateContent and streamGenerateContent on every API version', () => {
  const paths = [
    '/v1beta/models/gemini-2.0-flash:generateContent',
    '/v1beta/models/gemini-2.0-flash:streamGenerateContent',
    '/v1/models/gemini-2.0-flash:generateContent',
    '/v1beta/models/gemini-2.0-flash:countTokens',
    '/v1beta/models/text-embedding-004:embedContent',
    '/v1beta/tunedModels/my-model:generateContent',
    '/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:streamGenerateContent',
  ];
  assert.deepEqual(
    detectAll(paths),
    paths.map((path) => [path, 'gemini']),
  );
});

test('detects the Ollama native API only at the root /api/ paths', () => {
  const cases: [string, SchemaId][] = [
    ['/api/chat', 'ollama'],
    ['/api/generate', 'ollama'],
    ['/api/embed', 'ollama'],
    ['/api/embeddings', 'ollama'],
    ['/api/tags', 'ollama'],
    ['/api/show', 'ollama'],
    ['/api/ps', 'ollama'],
    ['/ollama/api/chat', 'unknown'],
    ['/api/chat/', 'unknown'],
    ['/api/pull', 'unknown'],
  ];
  assert.deepEqual(detectAll(cases.map(([path]) => path)), cases);
});

test('ignores the query string', () => {
  const cases: [string, SchemaId][] = [
    ['/v1/messages?beta=true', 'anthropic'],
    ['/v1/messages/count_tokens?beta=true', 'anthropic'],
    ['/v1/chat/completions?api-version=2024-10-21', 'openai'],
    ['/openai/deployments/ada/embeddings?api-version=2024-10-21', 'openai'],
    ['/openai/responses?api-version=2025-03-01-preview', 'openai-responses'],
    ['/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=k', 'gemini'],
    ['/api/chat?x=1', 'ollama'],
    ['/v1/models?path=/v1/messages', 'unknown'],
    ['/anything?q=/v1/chat/completions', 'unknown'],
  ];
  assert.deepEqual(detectAll(cases.map(([path]) => path)), cases);
});

test('answers unknown for paths no schema claims, including near misses', () => {
  const paths = [
    '/',
    '',
    '/v1/models',
    '/v1/models/claude-sonnet-4',
    '/v1/messagesX',
    '/v1/message',
    '/v2/messages',
    '/v1/chat/completions/extra',
    '/v1/completions/x',
    '/v1/responsesX',
    '/v1beta/models/gemini-2.0-flash',
    '/v1beta/models:generateContent',
    '/model/m/invoke/extra',
    '/_memex/stats',
    '/favicon.ico',
  ];
  assert.deepEqual(
    detectAll(paths),
    paths.map((path) => [path, 'unknown']),
  );
});

test('lists every schema once, with unknown last', () => {
  assert.deepEqual(SCHEMAS, [
    'anthropic',
    'openai',
    'openai-responses',
    'openai-realtime',
    'gemini',
    'gemini-live',
    'ollama',
    'unknown',
  ]);
});

test('detects the WebSocket APIs: Responses, Realtime and Gemini Live (v1beta, v1alpha, Vertex)', () => {
  const cases: [string, SchemaId][] = [
    ['/v1/responses', 'openai-responses'],
    ['/openai/v1/responses', 'openai-responses'],
    ['/v1/realtime?model=gpt-realtime', 'openai-realtime'],
    ['/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-realtime', 'openai-realtime'],
    ['/v1/realtime/client_secrets', 'openai-realtime'],
    [
      '/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?key=k',
      'gemini-live',
    ],
    [
      '/ws/google.ai.generativelanguage.v1alpha.GenerativeService.BidiGenerateContentConstrained',
      'gemini-live',
    ],
    ['/ws/google.cloud.aiplatform.v1beta1.LlmBidiService/BidiGenerateContent', 'gemini-live'],
  ];
  for (const [path, schema] of cases) assert.equal(detectSchema(path), schema, path);
});

test('classifies the vendor API hosts whatever their letter case or trailing dot', () => {
  const cases: [string, SchemaId][] = [
    ['api.anthropic.com', 'anthropic'],
    ['API.Anthropic.COM', 'anthropic'],
    ['api.anthropic.com.', 'anthropic'],
    ['api.openai.com', 'openai'],
    ['Api.OpenAI.com', 'openai'],
    ['generativelanguage.googleapis.com', 'gemini'],
  ];
  assert.deepEqual(
    cases.map(([host]) => [host, classifyHost(host)]),
    cases,
  );
});

test('classifies look-alike and other hosts as unknown', () => {
  const hosts = [
    'anthropic.com',
    'api.anthropic.com.evil.example',
    'evil-api.anthropic.com',
    'xapi.openai.com',
    'api.openai.com:443',
    'api.anthropic.com..',
    'localhost',
    '127.0.0.1',
    '',
  ];
  assert.deepEqual(
    hosts.map((host) => [host, classifyHost(host)]),
    hosts.map((host) => [host, 'unknown']),
  );
});
