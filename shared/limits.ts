// What a response head says about the caller's rate limits and quotas, in one shape for every
// provider: the windows (requests, tokens, 5 h, 7 days…), how full each is, when each resets.

/**
 * Who sent the limits, told apart by header prefix:
 *
 * - `anthropic`: `anthropic-ratelimit-*`, the per-minute limits of an API key.
 * - `anthropic-subscription`: `anthropic-ratelimit-unified-*`, a Claude plan's 5 h and weekly
 *   limits (OAuth: Claude Code on Pro / Max / Team).
 * - `openai`: `x-ratelimit-*`, an OpenAI API key's limits.
 * - `codex`: `x-codex-*`, Codex on a ChatGPT plan.
 */
export type LimitProvider = 'anthropic' | 'anthropic-subscription' | 'openai' | 'codex';

/**
 * A window's state. Anthropic's subscription windows say it (`allowed`, `allowed_warning`,
 * `rejected`…), `unknown` when they do not or say something else; the other windows are
 * `allowed` unless the response is a 429 and the window is used up.
 */
export type WindowStatus = 'allowed' | 'warning' | 'rejected' | 'unknown';

/** One limit window. Every number is null when its header was absent or unparseable. */
export interface LimitWindow {
  /**
   * Anthropic API key: `requests`, `tokens`, `input-tokens`, `output-tokens`; Anthropic
   * subscription: `5h`, `7d`, `7d-<model>` (`7d-sonnet`, `7d-opus`), `overage`; OpenAI:
   * `requests`, `tokens`; Codex: `primary`, `secondary`.
   */
  readonly id: string;
  /** How much of the window is used: 0.42 is 42 %. May exceed 1 (subscription overuse). */
  readonly usedFraction: number | null;
  /** The window's size in requests or tokens, where the provider gives one. */
  readonly limit: number | null;
  /** Requests or tokens left in the window, where the provider gives a count. */
  readonly remaining: number | null;
  /** When the window resets, ms since the epoch. */
  readonly resetsAt: number | null;
  /** The window's length in minutes (300 = 5 h, 10080 = 7 days), where it is known. */
  readonly windowMinutes: number | null;
  readonly status: WindowStatus;
}

/** Everything one response head said about limits. */
export interface LimitsReading {
  /** The provider whose headers these are; if several appeared, the most specific one. */
  readonly provider: LimitProvider;
  /** Every window read, whichever provider's headers it came from. */
  readonly windows: readonly LimitWindow[];
  /** How long to wait before retrying (`retry-after`, `retry-after-ms`), in ms. */
  readonly retryAfterMs: number | null;
  /**
   * The binding window's id (Anthropic's representative claim mapped to a window id:
   * `five_hour` → `5h`, `seven_day` → `7d`), else null.
   */
  readonly binding: string | null;
  /** Codex plan type, e.g. `plus`, else null. */
  readonly plan: string | null;
}
