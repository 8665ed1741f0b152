// The limits and coercions every usage reader applies to values taken from an upstream body; the
// outcome types themselves are shared/usage.ts's, as every process reads them.

import type { TokenCounts } from '../../shared/usage.js';

export type { TokenCounts, UsageOutcome } from '../../shared/usage.js';

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
