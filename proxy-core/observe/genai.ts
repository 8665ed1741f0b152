// OpenTelemetry's GenAI semantic conventions as memex meets them: which operation a request was
// and which provider answered it, from what memex already knows (the schema, the upstream host,
// the path). Names as in semantic conventions v1.41.0, docs/gen-ai/gen-ai-metrics.md and
// docs/registry/attributes/gen-ai.md (status Development). Pure functions.

import type { RequestRecord } from '../../shared/snapshot.js';
import type { SchemaId } from '../../shared/schemas.js';

export const TOKEN_USAGE = 'gen_ai.client.token.usage';
export const OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const TIME_TO_FIRST_CHUNK = 'gen_ai.client.operation.time_to_first_chunk';

export const OPERATION_NAME = 'gen_ai.operation.name';
export const PROVIDER_NAME = 'gen_ai.provider.name';
export const REQUEST_MODEL = 'gen_ai.request.model';
export const RESPONSE_MODEL = 'gen_ai.response.model';
export const TOKEN_TYPE = 'gen_ai.token.type';
export const ERROR_TYPE = 'error.type';

/** The buckets the conventions ask for, token counts and seconds. */
export const TOKEN_BUCKETS: readonly number[] = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
export const DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/** A well-known `gen_ai.operation.name`, for the requests that are GenAI operations. */
export type OperationName = 'chat' | 'text_completion' | 'embeddings' | 'generate_content';

// Hosts that name a provider the schema cannot (several serve the OpenAI or Anthropic API).
const PROVIDER_HOSTS: readonly (readonly [RegExp, string])[] = [
  [/\.openai\.azure\.com$/, 'azure.ai.openai'],
  [/\.services\.ai\.azure\.com$/, 'azure.ai.inference'],
  [/^bedrock-runtime(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com$/, 'aws.bedrock'],
  [/(?:^|-)aiplatform\.googleapis\.com$/, 'gcp.vertex_ai'],
  [/^generativelanguage\.googleapis\.com$/, 'gcp.gemini'],
  [/^api\.deepseek\.com$/, 'deepseek'],
  [/^api\.groq\.com$/, 'groq'],
  [/^api\.mistral\.ai$/, 'mistral_ai'],
  [/^api\.x\.ai$/, 'x_ai'],
  [/^api\.perplexity\.ai$/, 'perplexity'],
  [/^api\.cohere\.(?:com|ai)$/, 'cohere'],
];

const SCHEMA_PROVIDERS: Readonly<Record<SchemaId, string>> = {
  anthropic: 'anthropic',
  openai: 'openai',
  'openai-responses': 'openai',
  'openai-realtime': 'openai',
  gemini: 'gcp.gemini',
  'gemini-live': 'gcp.gemini',
  // Not in the conventions' list, which allows a custom value.
  ollama: 'ollama',
  unknown: 'unknown',
};

/** `gen_ai.provider.name`: the upstream host's provider where it names one, else the schema's. */
export function providerName(schema: SchemaId, host: string): string {
  const name = hostName(host);
  for (const [pattern, provider] of PROVIDER_HOSTS) {
    if (pattern.test(name)) return provider;
  }
  return SCHEMA_PROVIDERS[schema];
}

/**
 * `gen_ai.operation.name` of a request, or null for requests that are no GenAI operation
 * (listing models, counting tokens, a WebSocket's handshake, a stored response fetched back).
 */
export function operationName(
  record: Pick<RequestRecord, 'schema' | 'path' | 'method' | 'status'>,
): OperationName | null {
  const { schema, path, method } = record;
  // A WebSocket session is no operation; each response carried in it (method WS) is one.
  if (method === 'WS') return schema === 'gemini-live' ? 'generate_content' : 'chat';
  if (method !== 'POST') return null;
  switch (schema) {
    case 'anthropic':
      return /\/count_tokens$|\/batches(?:\/|$)/.test(path) ? null : 'chat';
    case 'openai':
      if (path.endsWith('/chat/completions')) return 'chat';
      if (path.endsWith('/embeddings')) return 'embeddings';
      return path.endsWith('/completions') ? 'text_completion' : null;
    case 'openai-responses':
      return /\/responses$/.test(path) ? 'chat' : null;
    case 'gemini':
      if (/:(?:stream)?generateContent$/i.test(path)) return 'generate_content';
      return /:(?:batchEmbedContents|embedContent)$/i.test(path) ? 'embeddings' : null;
    case 'ollama':
      if (path.endsWith('/api/chat')) return 'chat';
      if (path.endsWith('/api/generate')) return 'text_completion';
      return /\/api\/embed(?:dings)?$/.test(path) ? 'embeddings' : null;
    case 'openai-realtime':
    case 'gemini-live':
    case 'unknown':
      return null;
  }
}

/**
 * `gen_ai.request.model` where the request names it without a body read: Gemini's path
 * (`/v1beta/models/gemini-2.5-pro:generateContent`). Other APIs name it in the body, which
 * memex does not parse on the way up; for them the attribute is absent, as the conventions
 * allow ("if available").
 */
export function requestModel(schema: SchemaId, path: string): string | null {
  if (schema !== 'gemini') return null;
  const match = /\/models\/([^/:]+):[A-Za-z]+$/.exec(path);
  return match?.[1] ?? null;
}

/** `error.type` of a request that failed: its status, or why no whole response came; else null. */
export function errorType(record: Pick<RequestRecord, 'status' | 'complete'>): string | null {
  if (record.status >= 400 && record.status <= 599) return String(record.status);
  if (record.status === 0) return 'no_response';
  return record.complete ? null : 'response_incomplete';
}

function hostName(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}
