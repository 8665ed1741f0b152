// Token usage as every process sees it: one response's outcome, and the daily sums the worker
// keeps, the app stores and the tray and dashboard show. Types, and the list of a tally's fields.

import type { SchemaId } from './schemas.js';

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

/** Sums for one day and one family or model. Token fields mean what TokenCounts says. */
export interface UsageTally {
  /** Responses added, whatever their outcome. */
  requests: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Responses whose outcome was `unknown` (tokens not in the body). */
  unknown: number;
  /** Responses whose outcome was `unparsed` (body malformed or undecodable). */
  unparsed: number;
}

/** Every field of a UsageTally, each a count. */
export const TALLY_KEYS = [
  'requests',
  'input',
  'output',
  'cacheRead',
  'cacheWrite',
  'unknown',
  'unparsed',
] as const satisfies readonly (keyof UsageTally)[];

/** One day's sums. Model keys are upstream names; `''` collects responses naming no model. */
export interface DayTotals {
  schemas: Partial<Record<SchemaId, UsageTally>>;
  models: Record<string, UsageTally>;
}

/** The JSON form of UsageTotals, keyed by local date `YYYY-MM-DD`. */
export interface UsageSnapshot {
  version: 1;
  days: Record<string, DayTotals>;
}
