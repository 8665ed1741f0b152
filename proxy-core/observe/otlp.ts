// OTLP push: memex's metrics sent to an OpenTelemetry collector through the OpenTelemetry JS
// SDK's OTLP/HTTP (JSON) exporter. The SDK is loaded only when `otlp.endpoint` is set, so a memex
// that pushes nothing carries none of it. Records reach the SDK in batches, once a second, so
// the exchange that finishes pays one array push; the SDK then aggregates (cumulative), and
// its reader exports every `interval_ms`, one request at a time with a timeout: a collector that
// is down costs the aggregates and one pending export, never a growing queue.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import type { ExportResultCode } from '@opentelemetry/core';
import type { MeterProvider, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Pricing } from '../../shared/pricing.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import { createExportProblems, type ExportProblems } from './export-problems.js';
import {
  DURATION_BUCKETS,
  OPERATION_DURATION,
  TIME_TO_FIRST_CHUNK,
  TOKEN_BUCKETS,
  TOKEN_USAGE,
} from './genai.js';
import { COST, OtlpMeasures, REQUESTS, TOKENS, TUNNELS, type Measurement } from './otlp-measure.js';

/** What stats hands each counted exchange and opened tunnel to. */
export interface CountSink {
  request(record: RequestRecord): void;
  /** `user`: the proxy user whose credentials opened it, or null. */
  tunnel(host: string, user: string | null): void;
}

export interface OtlpPush extends CountSink {
  setPricing(pricing: Pricing): void;
  /** Pushes what is left, then stops; bounded by the export timeout. */
  close(): Promise<void>;
}

export interface OtlpOptions {
  readonly endpoint: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly intervalMs: number;
  readonly version: string;
  readonly pricing: Pricing;
  /** Hears export failures, at most one line a minute (export-problems.ts). */
  readonly onProblem: (message: string) => void;
}

const BATCH_MS = 1_000;
// Records waiting for the next batch; past it they are dropped and said so (a burst of this
// size within a second is no LLM traffic).
const PENDING_LIMIT = 10_000;
const EXPORT_TIMEOUT_MS = 10_000;
// ExportResultCode.SUCCESS by value: importing the enum would load @opentelemetry/core at start.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- see above
const SUCCESS = 0 as ExportResultCode.SUCCESS;

/** `endpoint` as the exporter's URL: `/v1/metrics` added, as OTEL_EXPORTER_OTLP_ENDPOINT is read. */
export function metricsUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (!url.pathname.endsWith('/v1/metrics')) {
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/metrics`;
  }
  return url.href;
}

/** Loads the SDK and starts pushing to `options.endpoint`. */
export async function startOtlpPush(options: OtlpOptions): Promise<OtlpPush> {
  const [metricsSdk, exporterModule, resources] = await Promise.all([
    import('@opentelemetry/sdk-metrics'),
    import('@opentelemetry/exporter-metrics-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const url = metricsUrl(options.endpoint);
  // One export (retries included) ends before the next one starts, so at most one is pending.
  const timeoutMs = Math.min(EXPORT_TIMEOUT_MS, options.intervalMs);
  const problems = createExportProblems(url, options.onProblem);
  const exporter = reporting(
    new exporterModule.OTLPMetricExporter({
      url,
      headers: { ...options.headers },
      timeoutMillis: timeoutMs,
      concurrencyLimit: 1,
    }),
    problems,
  );
  const provider: MeterProvider = new metricsSdk.MeterProvider({
    resource: resources.resourceFromAttributes({
      'service.name': 'memex',
      'service.version': options.version,
      // Two memex on one machine (the tray app and a memex-proxy) are two series, not one.
      'service.instance.id': randomUUID(),
      'host.name': hostname(),
    }),
    readers: [
      new metricsSdk.PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: options.intervalMs,
        exportTimeoutMillis: timeoutMs,
      }),
    ],
  });
  const instruments = createInstruments(provider.getMeter('memex', options.version));
  const measures = new OtlpMeasures();
  measures.setPricing(options.pricing);

  let pending: RequestRecord[] = [];
  let tunnels: [host: string, user: string | null][] = [];
  let dropped = 0;
  const measured: Measurement[] = [];
  const drain = (): void => {
    const records = pending;
    const hosts = tunnels;
    pending = [];
    tunnels = [];
    for (const record of records) measures.ofRequest(record, measured);
    for (const [host, user] of hosts) measured.push(measures.ofTunnel(host, user));
    for (const { instrument, value, attributes } of measured) {
      instruments.get(instrument)?.(value, attributes);
    }
    measured.length = 0;
    if (dropped > 0) {
      options.onProblem(`OTLP push dropped ${dropped} records that came faster than it batches`);
      dropped = 0;
    }
  };
  const timer = setInterval(drain, BATCH_MS);
  timer.unref();

  return {
    request(record) {
      if (pending.length < PENDING_LIMIT) pending.push(record);
      else dropped++;
    },
    tunnel(host, user) {
      if (tunnels.length < PENDING_LIMIT) tunnels.push([host, user]);
    },
    setPricing(pricing) {
      measures.setPricing(pricing);
    },
    async close() {
      clearInterval(timer);
      drain();
      // shutdown() collects and exports once more, within the reader's export timeout.
      await provider.shutdown().catch(() => undefined);
    },
  };
}

type Recorder = (value: number, attributes: Measurement['attributes']) => void;

function createInstruments(meter: Meter): ReadonlyMap<string, Recorder> {
  const histogram = (name: string, unit: string, description: string, buckets: number[]) =>
    meter.createHistogram(name, {
      unit,
      description,
      advice: { explicitBucketBoundaries: buckets },
    });
  const counter = (name: string, unit: string, description: string) =>
    meter.createCounter(name, { unit, description });
  const instruments: [string, Histogram | Counter][] = [
    [
      TOKEN_USAGE,
      histogram(TOKEN_USAGE, '{token}', 'Number of input and output tokens used.', [
        ...TOKEN_BUCKETS,
      ]),
    ],
    [
      OPERATION_DURATION,
      histogram(OPERATION_DURATION, 's', 'GenAI operation duration.', [...DURATION_BUCKETS]),
    ],
    [
      TIME_TO_FIRST_CHUNK,
      histogram(TIME_TO_FIRST_CHUNK, 's', 'Time to receive the first chunk of a stream.', [
        ...DURATION_BUCKETS,
      ]),
    ],
    [REQUESTS, counter(REQUESTS, '{request}', 'Requests memex relayed, by status and client.')],
    [TOKENS, counter(TOKENS, '{token}', 'Tokens by type: input, output, cache_read, cache_write.')],
    [COST, counter(COST, '{currency}', 'Cost at the configured prices (config pricing:).')],
    [TUNNELS, counter(TUNNELS, '{tunnel}', 'CONNECT tunnels opened, by host.')],
  ];
  return new Map(
    instruments.map(([name, instrument]): [string, Recorder] => [
      name,
      'record' in instrument
        ? (value, attributes) => {
            instrument.record(value, attributes);
          }
        : (value, attributes) => {
            instrument.add(value, attributes);
          },
    ]),
  );
}

// The exporter's results, heard: a failure is said (rarely), a success after failures too.
function reporting(exporter: PushMetricExporter, problems: ExportProblems): PushMetricExporter {
  return {
    export(metrics, done) {
      exporter.export(metrics, (result) => {
        if (result.code === SUCCESS) problems.succeeded();
        else problems.failed(result.error?.message ?? 'the collector refused the export');
        done(result);
      });
    },
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    ...(exporter.selectAggregationTemporality === undefined
      ? {}
      : { selectAggregationTemporality: exporter.selectAggregationTemporality.bind(exporter) }),
    ...(exporter.selectAggregation === undefined
      ? {}
      : { selectAggregation: exporter.selectAggregation.bind(exporter) }),
  };
}
