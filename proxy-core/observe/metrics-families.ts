// The metric families /_memex/metrics exposes, in the JSON shape prom-client's registries
// produce and render (getMetricsAsJSON): built at scrape time from the book's counters and the
// live snapshot's gauges. Pure: no prom-client here, so nothing is loaded to count.

import type { StatsSnapshot } from '../../shared/snapshot.js';
import type { TokenCounts } from '../../shared/usage.js';
import { DURATION_BUCKETS_S, type HistogramTally, type MetricsBook } from './metrics.js';

export interface MetricSample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  /** For a histogram: which of its series (`…_bucket`, `…_sum`, `…_count`). */
  readonly metricName?: string;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly values: readonly MetricSample[];
}

/** What the gauges read off the stats snapshot when scraped. */
export type LiveState = Pick<StatsSnapshot, 'active' | 'websockets' | 'limits'>;

// The `type` label of memex_tokens_total, and the count each stands for.
const TOKEN_TYPES: readonly (readonly [string, keyof TokenCounts])[] = [
  ['input', 'input'],
  ['output', 'output'],
  ['cache_read', 'cacheRead'],
  ['cache_write', 'cacheWrite'],
];

/** Every memex_* family, from the book's counters and `live`'s gauges. */
export function toFamilies(book: MetricsBook, live: LiveState): MetricFamily[] {
  const requests: MetricSample[] = [];
  for (const { schema, model, status, client, user, count } of book.requests.values()) {
    requests.push({
      labels: withUser({ schema, model, status_class: status, client }, user),
      value: count,
    });
  }
  const tokens: MetricSample[] = [];
  const cost: MetricSample[] = [];
  for (const series of book.models.values()) {
    const { schema, model, user } = series;
    for (const [type, field] of TOKEN_TYPES) {
      tokens.push({ labels: withUser({ schema, model, type }, user), value: series.tokens[field] });
    }
    if (series.cost !== null) {
      cost.push({ labels: withUser({ schema, model }, user), value: series.cost });
    }
  }
  const rateLimited: MetricSample[] = [];
  const duration: MetricSample[] = [];
  const ttfb: MetricSample[] = [];
  for (const [schema, series] of book.schemas) {
    rateLimited.push({ labels: { schema }, value: series.rateLimited });
    duration.push(...histogramSamples('memex_request_duration_seconds', schema, series.duration));
    ttfb.push(...histogramSamples('memex_ttfb_seconds', schema, series.ttfb));
  }
  const tunnels: MetricSample[] = [];
  for (const { host, user, count } of book.tunnels.values()) {
    tunnels.push({ labels: withUser({ host }, user), value: count });
  }
  return [
    counter('memex_requests_total', 'Requests relayed, counted as each ends.', requests),
    counter('memex_tokens_total', 'Tokens the responses reported, by type.', tokens),
    counter('memex_cost_total', 'Cost of the tokens of priced models (config pricing).', cost),
    counter('memex_rate_limited_total', 'Requests answered 429.', rateLimited),
    counter('memex_tunnels_total', 'CONNECT tunnels opened, by target host.', tunnels),
    {
      name: 'memex_request_duration_seconds',
      help: 'From the request to the end of its response.',
      type: 'histogram',
      values: duration,
    },
    {
      name: 'memex_ttfb_seconds',
      help: "From the request to its response's first byte.",
      type: 'histogram',
      values: ttfb,
    },
    gauge('memex_requests_active', 'Requests in flight.', [{ labels: {}, value: live.active }]),
    gauge('memex_websockets_active', 'WebSockets open.', [
      { labels: {}, value: live.websockets.active },
    ]),
    gauge(
      'memex_rate_limit_utilization_ratio',
      "How much of each provider account's limit window is used (1: all), as last reported.",
      utilization(live),
    ),
  ];
}

// The `user` label only where credentials named one (metrics.ts, UserLabel).
function withUser(
  labels: Record<string, string>,
  user: string | undefined,
): Record<string, string> {
  if (user !== undefined) labels['user'] = user;
  return labels;
}

function counter(name: string, help: string, values: MetricSample[]): MetricFamily {
  return { name, help, type: 'counter', values };
}

function gauge(name: string, help: string, values: MetricSample[]): MetricFamily {
  return { name, help, type: 'gauge', values };
}

// Cumulative buckets, as the exposition format has them (`le`: at most), then +Inf, sum, count.
function histogramSamples(name: string, schema: string, tally: HistogramTally): MetricSample[] {
  const samples: MetricSample[] = [];
  let below = 0;
  DURATION_BUCKETS_S.forEach((bound, index) => {
    below += tally.counts[index] ?? 0;
    samples.push({ labels: { schema, le: bound }, value: below, metricName: `${name}_bucket` });
  });
  samples.push(
    { labels: { schema, le: '+Inf' }, value: tally.count, metricName: `${name}_bucket` },
    { labels: { schema }, value: tally.sum, metricName: `${name}_sum` },
    { labels: { schema }, value: tally.count, metricName: `${name}_count` },
  );
  return samples;
}

// One gauge per provider, account fingerprint and window. The same credential seen through two
// hosts is two accounts with one label set: the most recently seen one (listed first) is kept.
function utilization(live: LiveState): MetricSample[] {
  const samples: MetricSample[] = [];
  const seen = new Set<string>();
  for (const account of live.limits.accounts) {
    for (const window of account.windows) {
      if (window.usedFraction === null) continue;
      const key = `${account.provider}\n${account.fingerprint}\n${window.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      samples.push({
        labels: { provider: account.provider, account: account.fingerprint, window: window.id },
        value: window.usedFraction,
      });
    }
  }
  return samples;
}
