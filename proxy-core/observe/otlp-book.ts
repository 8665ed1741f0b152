// The OTLP push's own aggregation: each measurement (otlp-measure.ts) added to its series, a
// counter's sum or a histogram's buckets, and every series handed to the exporter as cumulative
// metric data when the SDK's reader collects. The SDK's own instruments cost ~3 µs a
// measurement (attribute hashing and storage lookups on every call), 20-40 ms of event loop at
// 2,000 requests/s; a series here costs one key and a few additions, as MetricsBook does for
// Prometheus. Pure: the SDK's enum values come in with `kinds`.

import type { Attributes, HrTime, ValueType } from '@opentelemetry/api';
import type { AggregationTemporality, DataPointType, MetricData } from '@opentelemetry/sdk-metrics';
import {
  DURATION_BUCKETS,
  OPERATION_DURATION,
  TIME_TO_FIRST_CHUNK,
  TOKEN_BUCKETS,
  TOKEN_USAGE,
} from './genai.js';
import { COST, REQUESTS, TOKENS, TUNNELS, type Measurement } from './otlp-measure.js';

interface InstrumentInfo {
  readonly unit: string;
  readonly description: string;
  /** A histogram's upper bounds; absent for a counter. */
  readonly buckets?: readonly number[];
}

/** The instruments pushed, by name: the conventions' histograms and memex's counters. */
export const INSTRUMENTS: ReadonlyMap<string, InstrumentInfo> = new Map([
  [
    TOKEN_USAGE,
    {
      unit: '{token}',
      description: 'Number of input and output tokens used.',
      buckets: TOKEN_BUCKETS,
    },
  ],
  [
    OPERATION_DURATION,
    { unit: 's', description: 'GenAI operation duration.', buckets: DURATION_BUCKETS },
  ],
  [
    TIME_TO_FIRST_CHUNK,
    {
      unit: 's',
      description: 'Time to receive the first chunk of a stream.',
      buckets: DURATION_BUCKETS,
    },
  ],
  [REQUESTS, { unit: '{request}', description: 'Requests memex relayed, by status and client.' }],
  [
    TOKENS,
    { unit: '{token}', description: 'Tokens by type: input, output, cache_read, cache_write.' },
  ],
  [COST, { unit: '{currency}', description: 'Cost at the configured prices (config pricing:).' }],
  [TUNNELS, { unit: '{tunnel}', description: 'CONNECT tunnels opened, by host.' }],
]);

/** The SDK's enum values the data is written with, from the loaded SDK. */
export interface DataKinds {
  readonly histogram: DataPointType.HISTOGRAM;
  readonly sum: DataPointType.SUM;
  readonly cumulative: AggregationTemporality;
  readonly double: ValueType;
}

// Series kept; labels are bounded one by one, this bounds their product (what past it is counted
// is dropped, and said).
const SERIES_LIMIT = 10_000;

interface Series {
  readonly attributes: Attributes;
  /** A counter's sum, a histogram's sum of values. */
  sum: number;
  /** A histogram's observations per bucket (the last past every bound); empty for a counter. */
  readonly counts: number[];
  count: number;
  min: number;
  max: number;
}

export class OtlpBook {
  // Instrument name → attribute key → series.
  readonly #series = new Map<string, Map<string, Series>>();
  #size = 0;
  /** Measurements not counted since the last look, because the series bound was reached. */
  dropped = 0;

  add({ instrument, value, attributes }: Measurement): void {
    const info = INSTRUMENTS.get(instrument);
    if (info === undefined) return;
    let byKey = this.#series.get(instrument);
    if (byKey === undefined) {
      byKey = new Map();
      this.#series.set(instrument, byKey);
    }
    // Measurements of one series are built in one order (otlp-measure.ts): one key each.
    const key = JSON.stringify(attributes);
    let series = byKey.get(key);
    if (series === undefined) {
      if (this.#size >= SERIES_LIMIT) {
        this.dropped++;
        return;
      }
      const counts = info.buckets === undefined ? [] : new Array<number>(info.buckets.length + 1);
      series = { attributes, sum: 0, counts: counts.fill(0), count: 0, min: value, max: value };
      byKey.set(key, series);
      this.#size++;
    }
    series.sum += value;
    series.count++;
    const { buckets } = info;
    if (buckets === undefined) return;
    if (value < series.min) series.min = value;
    if (value > series.max) series.max = value;
    let index = 0;
    while (index < buckets.length && value > (buckets[index] ?? 0)) index++;
    series.counts[index] = (series.counts[index] ?? 0) + 1;
  }

  /** Every series as cumulative data from `startTime` to `endTime`. */
  collect(startTime: HrTime, endTime: HrTime, kinds: DataKinds): MetricData[] {
    const metrics: MetricData[] = [];
    for (const [name, byKey] of this.#series) {
      const info = INSTRUMENTS.get(name);
      if (info === undefined || byKey.size === 0) continue;
      const descriptor = {
        name,
        description: info.description,
        unit: info.unit,
        valueType: kinds.double,
      };
      const all = [...byKey.values()];
      const { buckets } = info;
      if (buckets === undefined) {
        metrics.push({
          descriptor,
          aggregationTemporality: kinds.cumulative,
          dataPointType: kinds.sum,
          isMonotonic: true,
          dataPoints: all.map((series) => ({
            startTime,
            endTime,
            attributes: series.attributes,
            value: series.sum,
          })),
        });
        continue;
      }
      metrics.push({
        descriptor,
        aggregationTemporality: kinds.cumulative,
        dataPointType: kinds.histogram,
        dataPoints: all.map((series) => ({
          startTime,
          endTime,
          attributes: series.attributes,
          value: {
            buckets: { boundaries: [...buckets], counts: [...series.counts] },
            sum: series.sum,
            count: series.count,
            min: series.min,
            max: series.max,
          },
        })),
      });
    }
    return metrics;
  }
}
