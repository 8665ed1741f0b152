// OTLP push: memex's metrics sent to an OpenTelemetry collector through the OpenTelemetry JS
// SDK's OTLP/HTTP (JSON) exporter, driven by the SDK's periodic reader. The SDK is loaded only
// when `otlp.endpoint` is set, so a memex that pushes nothing carries none of it. An exchange
// that finishes pays one array push; once a second the records are turned into measurements and
// aggregated (otlp-book.ts) a slice at a time, so no turn of the event loop holds more than
// ~1 ms of it; the reader collects the aggregates and exports every `interval_ms`, one export at
// a time with a timeout: a collector that is down costs the aggregates and one pending export,
// never a growing queue.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ExportResult } from '@opentelemetry/core';
import type {
  CollectionResult,
  MeterProvider,
  MetricProducer,
  PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import type { Pricing } from '../../shared/pricing.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import { createExportProblems, type ExportProblems } from './export-problems.js';
import { OtlpBook, type DataKinds } from './otlp-book.js';
import { OtlpMeasures, type Measurement } from './otlp-measure.js';

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
// Records counted in one turn of the event loop: ~5 µs each, so about 1 ms.
const SLICE = 200;
// Records waiting for the next batch; past it they are dropped and said so (a burst of this
// size within a second is no LLM traffic).
const PENDING_LIMIT = 10_000;
const EXPORT_TIMEOUT_MS = 10_000;

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
  const [api, core, metricsSdk, exporterModule, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
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
    core.ExportResultCode.SUCCESS,
  );
  const kinds: DataKinds = {
    histogram: metricsSdk.DataPointType.HISTOGRAM,
    sum: metricsSdk.DataPointType.SUM,
    cumulative: metricsSdk.AggregationTemporality.CUMULATIVE,
    double: api.ValueType.DOUBLE,
  };
  const measures = new OtlpMeasures();
  measures.setPricing(options.pricing);
  const book = new OtlpBook();
  const startTime = hrTimeNow();

  const pending: RequestRecord[] = [];
  let tunnels: [host: string, user: string | null][] = [];
  let dropped = 0;
  const measured: Measurement[] = [];
  const count = (record: RequestRecord): void => {
    measures.ofRequest(record, measured);
    for (const measurement of measured) book.add(measurement);
    measured.length = 0;
  };
  // Counts up to SLICE records now and the rest on later turns of the loop.
  let draining = false;
  const drainSlice = (): void => {
    const records = pending.splice(0, SLICE);
    for (const record of records) count(record);
    if (pending.length > 0) {
      setImmediate(drainSlice);
      return;
    }
    draining = false;
  };
  const drain = (): void => {
    for (const [host, user] of tunnels) book.add(measures.ofTunnel(host, user));
    tunnels = [];
    if (dropped > 0 || book.dropped > 0) {
      options.onProblem(
        `OTLP push dropped ${dropped + book.dropped} measurements ` +
          `(${dropped} records came faster than it counts, ${book.dropped} past its series bound)`,
      );
      dropped = 0;
      book.dropped = 0;
    }
    if (draining || pending.length === 0) return;
    draining = true;
    drainSlice();
  };
  const producer: MetricProducer = {
    collect(): Promise<CollectionResult> {
      // What is still queued is counted now: a push (the last one too) carries every record.
      for (const record of pending.splice(0)) count(record);
      drain();
      const metrics = book.collect(startTime, hrTimeNow(), kinds);
      return Promise.resolve({
        resourceMetrics: {
          resource: resources.emptyResource(),
          scopeMetrics:
            metrics.length === 0
              ? []
              : [{ scope: { name: 'memex', version: options.version }, metrics }],
        },
        errors: [],
      });
    },
  };
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
        metricProducers: [producer],
      }),
    ],
  });
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
      // shutdown() collects and exports once more, within the reader's export timeout.
      await provider.shutdown().catch(() => undefined);
    },
  };
}

function hrTimeNow(): [number, number] {
  const ms = Date.now();
  return [Math.floor(ms / 1000), (ms % 1000) * 1_000_000];
}

// The exporter's results, heard: a failure is said (rarely), a success after failures too.
function reporting(
  exporter: PushMetricExporter,
  problems: ExportProblems,
  success: ExportResult['code'],
): PushMetricExporter {
  return {
    export(metrics, done) {
      exporter.export(metrics, (result: ExportResult) => {
        if (result.code === success) problems.succeeded();
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
