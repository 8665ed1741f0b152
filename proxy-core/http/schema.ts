// API schema detection: a pure function of the request path, driven by one table, so adding a
// schema is one line. Also classifies CONNECT hosts, the only thing a tunnel reveals.

import type { SchemaId } from '../../shared/schemas.js';

export { SCHEMAS, SCHEMA_LABELS, type SchemaId } from '../../shared/schemas.js';

// First match wins. Paths come from shared/fixtures/wire/paths.json (real SDK traffic); the query
// string is never consulted. Vertex and Bedrock rows sit before the generic Gemini row because
// Claude on Vertex also uses `…/models/<model>:<action>`.
const PATH_RULES: readonly (readonly [RegExp, SchemaId])[] = [
  [/\/publishers\/anthropic\/models\/[^/]+:(?:stream)?rawPredict$/i, 'anthropic'],
  [/^\/model\/[^/]+\/invoke(?:-with-response-stream)?$/, 'anthropic'],
  [/(?:^|\/)v1\/messages(?:\/|$)/, 'anthropic'],
  [/\/chat\/completions$/, 'openai'],
  [/(?:^|\/)(?:v1|openai\/deployments\/[^/]+)\/(?:completions|embeddings)$/, 'openai'],
  [/(?:^|\/)(?:v1|openai)\/responses(?:\/|$)/, 'openai-responses'],
  // Codex on a ChatGPT plan: the Responses API under chatgpt.com's backend.
  [/(?:^|\/)backend-api\/codex\/responses(?:\/|$)/, 'openai-responses'],
  [/(?:^|\/)(?:v1|openai)\/realtime(?:\/|$)/, 'openai-realtime'],
  [/\.(?:GenerativeService|LlmBidiService)[./]BidiGenerateContent(?:Constrained)?$/, 'gemini-live'],
  [/\/(?:models|tunedModels)\/[^/:]+:[A-Za-z]+$/, 'gemini'],
  [/^\/api\/(?:chat|generate|embed|embeddings|tags|show|ps)$/, 'ollama'],
];

/** Detects the schema from a path, ignoring any query (`/v1/messages?beta=true` → `anthropic`). */
export function detectSchema(path: string): SchemaId {
  const queryAt = path.indexOf('?');
  const pathname = queryAt === -1 ? path : path.slice(0, queryAt);
  for (const [pattern, schema] of PATH_RULES) {
    if (pattern.test(pathname)) return schema;
  }
  return 'unknown';
}

const HOST_SCHEMAS: ReadonlyMap<string, SchemaId> = new Map([
  ['api.anthropic.com', 'anthropic'],
  ['api.openai.com', 'openai'],
  ['generativelanguage.googleapis.com', 'gemini'],
]);

/** Classifies a CONNECT host name (`api.anthropic.com` → `anthropic`). */
export function classifyHost(host: string): SchemaId {
  // A fully qualified name may end in a dot (RFC 1034 §3.1); it names the same host.
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return HOST_SCHEMAS.get(name.toLowerCase()) ?? 'unknown';
}
