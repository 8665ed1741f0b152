// Token usage as the tray and the dashboard write it: compact counts, a tally's prompt side, a
// day's totals and its cost under the user's pricing. Pure: no Electron, no DOM, no I/O, so the
// menu (main) and the window (renderer) share one wording.

import { costOf, type Pricing } from './pricing.js';
import { toThousands } from './text.js';
import type { DayTotals, UsageTally } from './usage.js';

const TOKEN_UNITS = ['k', 'M', 'B'] as const;

/**
 * Prompt tokens of a tally: uncached input plus cache reads and writes, the whole prompt (the
 * four TokenCounts fields never overlap). "in" everywhere memex shows tokens.
 */
export function promptTokens(
  tally: Pick<UsageTally, 'input' | 'cacheRead' | 'cacheWrite'>,
): number {
  return tally.input + tally.cacheRead + tally.cacheWrite;
}

/** Responses whose body carried usage (neither `unknown` nor `unparsed`). */
export function countedResponses(tally: UsageTally): number {
  return tally.requests - tally.unknown - tally.unparsed;
}

/** A token count in three significant digits at most: `512`, `2.3k`, `34.1k`, `123k`, `1.2M`. */
export function formatTokens(count: number): string {
  if (count < 1000) return String(Math.round(count));
  const { value, unit } = toThousands(count, TOKEN_UNITS);
  return `${value < 99.95 ? value.toFixed(1) : String(Math.round(value))}${unit}`;
}

/** What a family's tokens for one day come to, when responses were seen. */
export type TallyTokens =
  /** `text` is the count: `34.1k in / 2.3k out`. */
  | { readonly kind: 'known'; readonly text: string }
  /** Responses were seen but none said how many tokens. */
  | { readonly kind: 'unknown' };

/** A family's tokens for one day, or null when there is nothing to say (no responses). */
export function tallyTokens(tally: UsageTally | undefined): TallyTokens | null {
  if (tally === undefined || tally.requests === 0) return null;
  if (countedResponses(tally) === 0) return { kind: 'unknown' };
  const text = `${formatTokens(promptTokens(tally))} in / ${formatTokens(tally.output)} out`;
  return { kind: 'known', text };
}

/** All of a day's tokens (prompt and output), summed over its families. */
export function dayTokens(day: DayTotals | null | undefined): number {
  if (day === null || day === undefined) return 0;
  let total = 0;
  for (const tally of Object.values(day.schemas) as (UsageTally | undefined)[]) {
    if (tally !== undefined) total += promptTokens(tally) + tally.output;
  }
  return total;
}

/**
 * A day's cost over its models. `complete` is false when some model with tokens has no price,
 * so the sum is a lower bound. Undefined when no model with tokens is priced (memex ships no
 * prices: without a `pricing:` section there is never a cost).
 */
export function dayCost(
  day: DayTotals | null | undefined,
  pricing: Pricing,
): { readonly cost: number; readonly complete: boolean } | undefined {
  if (day === null || day === undefined) return undefined;
  let cost = 0;
  let priced = false;
  let complete = true;
  for (const [model, tally] of Object.entries(day.models)) {
    if (promptTokens(tally) + tally.output === 0) continue;
    const modelCost = costOf(pricing, model, tally);
    if (modelCost === undefined) complete = false;
    else {
      cost += modelCost;
      priced = true;
    }
  }
  return priced ? { cost, complete } : undefined;
}

/** A cost in the pricing's own currency units (no symbol: the user chose them): `3.14`, `<0.01`. */
export function formatCost(cost: number): string {
  if (cost > 0 && cost < 0.005) return '<0.01';
  return cost.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** ` · cost 3.14` (` · cost ≥ 3.14` when some models are unpriced), or '' without a cost. */
export function dayCostText(day: DayTotals | null | undefined, pricing: Pricing): string {
  const cost = dayCost(day, pricing);
  return cost === undefined ? '' : ` · cost ${cost.complete ? '' : '≥ '}${formatCost(cost.cost)}`;
}
