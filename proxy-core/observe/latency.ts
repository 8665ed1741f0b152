// Model speed as memex measures it on the wire: per model, the time to first byte of each response,
// a stream's time to its first content event (first token) and the output tokens per second
// after it, kept as a bounded ring of recent samples and summed
// up (p50, p95) for the last hour and for today only when a snapshot is asked for.

import type { LatencySummary, ModelLatency } from '../../shared/snapshot.js';

/** Samples kept per model: enough for an hour of a busy agent, bounded for a hostile one. */
export const SAMPLES_PER_MODEL = 1024;

/** Models tracked at once; more are not sampled (names come from upstream bodies). */
export const MAX_MODELS = 64;

/** A response whose body took less than this after its first byte came in one piece: no rate. */
export const MIN_STREAM_MS = 100;

const HOUR_MS = 3_600_000;

interface Ring {
  readonly times: Float64Array;
  readonly ttfb: Float64Array;
  /** NaN where the response was no stream with content. */
  readonly content: Float64Array;
  /** NaN where the response gave no rate. */
  readonly rate: Float64Array;
  next: number;
  size: number;
}

/**
 * The output tokens per second after `fromMs` (the first token, else the first byte), or null
 * when it says nothing.
 */
export function tokensPerSecond(output: number, durationMs: number, fromMs: number): number | null {
  const streamingMs = durationMs - fromMs;
  if (output < 2 || streamingMs < MIN_STREAM_MS) return null;
  return (output * 1000) / streamingMs;
}

export class LatencyBook {
  readonly #models = new Map<string, Ring>();

  /** One response of `model`, ended at `time` (epoch ms). */
  add(
    model: string,
    time: number,
    ttfbMs: number,
    firstContentMs: number | null,
    rate: number | null,
  ): void {
    let ring = this.#models.get(model);
    if (ring === undefined) {
      if (this.#models.size >= MAX_MODELS) return;
      ring = {
        times: new Float64Array(SAMPLES_PER_MODEL),
        ttfb: new Float64Array(SAMPLES_PER_MODEL),
        content: new Float64Array(SAMPLES_PER_MODEL),
        rate: new Float64Array(SAMPLES_PER_MODEL),
        next: 0,
        size: 0,
      };
      this.#models.set(model, ring);
    }
    ring.times[ring.next] = time;
    ring.ttfb[ring.next] = ttfbMs;
    ring.content[ring.next] = firstContentMs ?? Number.NaN;
    ring.rate[ring.next] = rate ?? Number.NaN;
    ring.next = (ring.next + 1) % SAMPLES_PER_MODEL;
    ring.size = Math.min(ring.size + 1, SAMPLES_PER_MODEL);
  }

  /** Per model: the last hour and today (since local midnight `dayStart`), at `now`. */
  snapshot(now: number, dayStart: number): Record<string, ModelLatency> {
    const out: Record<string, ModelLatency> = {};
    for (const [model, ring] of this.#models) {
      const today = summarize(ring, Math.max(dayStart, 0));
      if (today.samples === 0) continue;
      out[model] = { lastHour: summarize(ring, now - HOUR_MS), today };
    }
    return out;
  }
}

function summarize(ring: Ring, since: number): LatencySummary {
  const ttfb: number[] = [];
  const content: number[] = [];
  const rates: number[] = [];
  for (let i = 0; i < ring.size; i++) {
    if ((ring.times[i] ?? 0) < since) continue;
    ttfb.push(ring.ttfb[i] ?? 0);
    const first = ring.content[i] ?? Number.NaN;
    if (!Number.isNaN(first)) content.push(first);
    const rate = ring.rate[i] ?? Number.NaN;
    if (!Number.isNaN(rate)) rates.push(rate);
  }
  return {
    samples: ttfb.length,
    ttfbMsP50: percentile(ttfb, 50),
    ttfbMsP95: percentile(ttfb, 95),
    firstContentMsP50: percentile(content, 50),
    firstContentMsP95: percentile(content, 95),
    outputTokensPerSecondP50: percentile(rates, 50),
  };
}

/** Nearest-rank percentile, rounded to 0.1; null for no values. */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * values.length));
  return Math.round((values[rank - 1] ?? 0) * 10) / 10;
}
