// Per-family mapping from a body's usage object to normalized TokenCounts (see outcome.ts for
// the meaning), and the whole-body reading used for JSON responses.

import type { Family } from './body.js';
import {
  isObject,
  toCount,
  toModel,
  zeroTokens,
  type JsonObject,
  type TokenCounts,
  type UsageOutcome,
} from './outcome.js';

/**
 * Overwrites `into` with every Anthropic usage key present in `usage` (message_delta carries
 * running totals, so a present key replaces, never adds). Returns whether any key was present.
 */
export function overlayAnthropic(into: TokenCounts, usage: JsonObject): boolean {
  const input = toCount(usage['input_tokens']);
  const output = toCount(usage['output_tokens']);
  const cacheRead = toCount(usage['cache_read_input_tokens']);
  const cacheWrite = toCount(usage['cache_creation_input_tokens']);
  if (input !== undefined) into.input = input;
  if (output !== undefined) into.output = output;
  if (cacheRead !== undefined) into.cacheRead = cacheRead;
  if (cacheWrite !== undefined) into.cacheWrite = cacheWrite;
  return (
    input !== undefined ||
    output !== undefined ||
    cacheRead !== undefined ||
    cacheWrite !== undefined
  );
}

function anthropicTokens(usage: JsonObject): TokenCounts | undefined {
  const tokens = zeroTokens();
  return overlayAnthropic(tokens, usage) ? tokens : undefined;
}

/** OpenAI-style counts: the prompt total includes the cached part, which we split out. */
function splitCached(
  prompt: number | undefined,
  output: number | undefined,
  details: unknown,
): TokenCounts | undefined {
  if (prompt === undefined && output === undefined) return undefined;
  const cached = isObject(details) ? (toCount(details['cached_tokens']) ?? 0) : 0;
  const total = prompt ?? 0;
  return {
    input: Math.max(0, total - cached),
    output: output ?? 0,
    cacheRead: Math.min(cached, total),
    cacheWrite: 0,
  };
}

/** Chat Completions `usage`: prompt_tokens includes prompt_tokens_details.cached_tokens. */
export function openaiTokens(usage: JsonObject): TokenCounts | undefined {
  return splitCached(
    toCount(usage['prompt_tokens']),
    toCount(usage['completion_tokens']),
    usage['prompt_tokens_details'],
  );
}

/** Responses `usage`: input_tokens includes input_tokens_details.cached_tokens. */
export function responsesTokens(usage: JsonObject): TokenCounts | undefined {
  return splitCached(
    toCount(usage['input_tokens']),
    toCount(usage['output_tokens']),
    usage['input_tokens_details'],
  );
}

/** Realtime `usage` (response.done): input_tokens includes input_token_details.cached_tokens. */
export function realtimeTokens(usage: JsonObject): TokenCounts | undefined {
  return splitCached(
    toCount(usage['input_tokens']),
    toCount(usage['output_tokens']),
    usage['input_token_details'],
  );
}

/**
 * Gemini `usageMetadata`: promptTokenCount includes cachedContentTokenCount; thoughts and
 * tool-use prompt tokens are reported beside, not inside, candidates and prompt. The Live API
 * names the candidates' count responseTokenCount.
 */
export function geminiTokens(usage: JsonObject): TokenCounts | undefined {
  const prompt = toCount(usage['promptTokenCount']);
  const candidates = toCount(usage['candidatesTokenCount'] ?? usage['responseTokenCount']);
  const thoughts = toCount(usage['thoughtsTokenCount']);
  const toolPrompt = toCount(usage['toolUsePromptTokenCount']);
  const cached = toCount(usage['cachedContentTokenCount']) ?? 0;
  if (prompt === undefined && candidates === undefined && thoughts === undefined) return undefined;
  const total = prompt ?? 0;
  return {
    input: Math.max(0, total - cached) + (toolPrompt ?? 0),
    output: (candidates ?? 0) + (thoughts ?? 0),
    cacheRead: Math.min(cached, total),
    cacheWrite: 0,
  };
}

/** Ollama counts sit on the response object itself (the final `done: true` one in a stream). */
export function ollamaTokens(doc: JsonObject): TokenCounts | undefined {
  const input = toCount(doc['prompt_eval_count']);
  const output = toCount(doc['eval_count']);
  if (input === undefined && output === undefined) return undefined;
  return { input: input ?? 0, output: output ?? 0, cacheRead: 0, cacheWrite: 0 };
}

/** Turns a document's usage object into an outcome: absent → unknown, unreadable → unparsed. */
function outcomeOf(
  model: string,
  usage: unknown,
  read: (usage: JsonObject) => TokenCounts | undefined,
): UsageOutcome {
  if (!isObject(usage)) return { kind: 'unknown', model };
  const tokens = read(usage);
  return tokens === undefined ? { kind: 'unparsed', model } : { kind: 'counted', model, tokens };
}

/** Gemini's non-SSE stream is a JSON array of chunks with running totals: take the last one. */
function geminiOutcome(body: unknown): UsageOutcome {
  const chunks = Array.isArray(body) ? (body as unknown[]) : [body];
  let model = '';
  for (let index = chunks.length - 1; index >= 0; index--) {
    const chunk = chunks[index];
    if (!isObject(chunk)) return { kind: 'unparsed', model };
    model ||= toModel(chunk['modelVersion']) ?? '';
    if (isObject(chunk['usageMetadata'])) {
      return outcomeOf(model, chunk['usageMetadata'], geminiTokens);
    }
  }
  return { kind: 'unknown', model };
}

/** Reads a complete, parsed, non-streamed response body of one family. */
export function outcomeOfJson(schema: Family, body: unknown): UsageOutcome {
  if (schema === 'gemini') return geminiOutcome(body);
  if (!isObject(body)) return { kind: 'unparsed', model: '' };
  const model = toModel(body['model']) ?? '';
  switch (schema) {
    case 'anthropic':
      return outcomeOf(model, body['usage'], anthropicTokens);
    case 'openai':
      return outcomeOf(model, body['usage'], openaiTokens);
    case 'openai-responses':
      return outcomeOf(model, body['usage'], responsesTokens);
    case 'ollama': {
      // /api/tags, /api/show and friends carry no counts: nothing to bill, not malformed.
      const tokens = ollamaTokens(body);
      return tokens === undefined ? { kind: 'unknown', model } : { kind: 'counted', model, tokens };
    }
  }
}
