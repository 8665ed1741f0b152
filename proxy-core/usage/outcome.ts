// Token-usage outcome types shared by the usage readers, totals and pricing, plus the few
// coercions every reader applies to values taken from an upstream body.

/**
 * Token counts in one normalized meaning across every API family:
 *
 * - `input`: prompt tokens billed at the full input rate, i.e. EXCLUDING cache reads and cache
 *   writes. Anthropic's `input_tokens` already has this meaning; OpenAI (chat and responses)
 *   and Gemini report prompt totals that include cached tokens, so for them
 *   `input = prompt - cached`.
 * - `output`: every generated token billed as output, reasoning/thinking included. OpenAI
 *   already includes reasoning tokens in its output count; Gemini reports thoughts separately,
 *   so for Gemini `output = candidatesTokenCount + thoughtsTokenCount`.
 * - `cacheRead`: prompt tokens served from a prompt cache (Anthropic
 *   `cache_read_input_tokens`, OpenAI `cached_tokens`, Gemini `cachedContentTokenCount`).
 * - `cacheWrite`: prompt tokens written to a prompt cache (Anthropic
 *   `cache_creation_input_tokens`; 0 for the other families).
 *
 * So `input + cacheRead + cacheWrite` is the whole prompt and the four fields never overlap.
 */
export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * What one response said about its token usage. `model` is the model the upstream named in the
 * body (`''` when the body never named one).
 *
 * - `counted`: the body carried usage.
 * - `unknown`: the body carries no usage by design (an OpenAI stream without
 *   `stream_options.include_usage`, a JSON body over {@link MAX_JSON_BYTES}, an empty or
 *   cut-short JSON body, count_tokens and other non-generation replies).
 * - `unparsed`: the body was malformed, unexpected or could not be decompressed.
 */
export type UsageOutcome =
  | { readonly kind: 'counted'; readonly model: string; readonly tokens: TokenCounts }
  | { readonly kind: 'unknown'; readonly model: string }
  | { readonly kind: 'unparsed'; readonly model: string };

/** JSON bodies are buffered up to this many bytes (decoded) and parsed at the end. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** An SSE event or NDJSON line longer than this many characters is skipped, unparsed. */
export const MAX_EVENT_CHARS = 1024 * 1024;

/** Model names from upstream bodies are cut to this length, so a hostile body stays small. */
export const MAX_MODEL_CHARS = 200;

/** A JSON object, as far as a reader cares. */
export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A token count: a non-negative safe integer, or undefined for anything else. */
export function toCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** A model name: a non-empty string, cut to {@link MAX_MODEL_CHARS}. */
export function toModel(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.length > MAX_MODEL_CHARS ? value.slice(0, MAX_MODEL_CHARS) : value;
}

/** JSON.parse that returns undefined instead of throwing. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function zeroTokens(): TokenCounts {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
}
