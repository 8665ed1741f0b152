// Pricing: user-configured rates per model-name glob, and the cost of one response's tokens.
// memex ships no prices; a model no pattern matches has no cost (undefined), not a zero one.

import type { TokenCounts } from './usage.js';

/** Rates in currency units (the user's choice, typically USD) per million tokens. */
export interface ModelPrice {
  /** Uncached input tokens (TokenCounts.input). A missing rate counts as 0. */
  input_per_mtok?: number;
  /** Output tokens, reasoning included (TokenCounts.output). A missing rate counts as 0. */
  output_per_mtok?: number;
  /** Cache reads (TokenCounts.cacheRead). A missing rate counts as 0. */
  cache_read_per_mtok?: number;
  /** Cache writes (TokenCounts.cacheWrite). A missing rate counts as 0. */
  cache_write_per_mtok?: number;
}

/**
 * Model-name glob → rates. `*` matches any run of characters (none included); everything else
 * matches itself, case-insensitively. When several patterns match, the most specific wins: the
 * one with the most non-`*` characters; ties go to the earlier key in insertion order. So
 * `claude-opus-4*` beats `claude-*` wherever they are written, and an exact name beats both.
 */
export type Pricing = Readonly<Record<string, Readonly<ModelPrice>>>;

/** Whether `model` matches the glob `pattern` (see {@link Pricing}). */
export function matchesPattern(pattern: string, model: string): boolean {
  const parts = pattern.toLowerCase().split('*');
  const name = model.toLowerCase();
  const first = parts[0] ?? '';
  if (parts.length === 1) return name === first;
  const last = parts[parts.length - 1] ?? '';
  if (!name.startsWith(first) || name.length < first.length + last.length) return false;
  if (!name.endsWith(last)) return false;
  // Middle parts match greedily left to right within the span between prefix and suffix.
  let at = first.length;
  const stop = name.length - last.length;
  for (let index = 1; index < parts.length - 1; index++) {
    const part = parts[index] ?? '';
    const found = name.indexOf(part, at);
    if (found === -1 || found + part.length > stop) return false;
    at = found + part.length;
  }
  return true;
}

/** The rates for `model`: the most specific matching pattern's, or undefined. */
export function priceOf(pricing: Pricing, model: string): Readonly<ModelPrice> | undefined {
  let best: Readonly<ModelPrice> | undefined;
  let bestWeight = -1;
  for (const [pattern, price] of Object.entries(pricing)) {
    const weight = pattern.length - countStars(pattern);
    if (weight > bestWeight && matchesPattern(pattern, model)) {
      best = price;
      bestWeight = weight;
    }
  }
  return best;
}

function countStars(pattern: string): number {
  let stars = 0;
  for (const char of pattern) if (char === '*') stars++;
  return stars;
}

function rate(value: number | undefined): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;
}

/** The cost of `tokens` for `model`, or undefined when no pattern matches the model. */
export function costOf(pricing: Pricing, model: string, tokens: TokenCounts): number | undefined {
  const price = priceOf(pricing, model);
  return price === undefined ? undefined : costAt(price, tokens);
}

/** The cost of `tokens` at `price`. */
export function costAt(price: Readonly<ModelPrice>, tokens: TokenCounts): number {
  return (
    (tokens.input * rate(price.input_per_mtok) +
      tokens.output * rate(price.output_per_mtok) +
      tokens.cacheRead * rate(price.cache_read_per_mtok) +
      tokens.cacheWrite * rate(price.cache_write_per_mtok)) /
    1_000_000
  );
}
