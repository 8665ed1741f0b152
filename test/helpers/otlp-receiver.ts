// A local OTLP/HTTP receiver for the OTLP push tests: takes POST /v1/metrics in the JSON
// encoding (the protobuf JSON mapping of ExportMetricsServiceRequest), keeps every export, and
// reads data points back by metric name and attributes.

import { EventEmitter, once } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import type { TestContext } from 'node:test';
import { startUpstream } from './servers.js';

type Scalar = string | number | boolean;

/** One data point: its attributes, and its value (sums, gauges) or count and sum (histograms). */
export interface Point {
  readonly metric: string;
  readonly unit: string;
  readonly attributes: Readonly<Record<string, Scalar>>;
  readonly value?: number;
  readonly count?: number;
  readonly sum?: number;
  readonly buckets?: readonly number[];
}

export interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly resource: Readonly<Record<string, Scalar>>;
  readonly points: readonly Point[];
}

export interface OtlpReceiver {
  readonly url: string;
  readonly port: number;
  /** The exports answered 200, in order. */
  readonly exports: Received[];
  /** Exports refused so far (answered with the status of {@link refuseWith}). */
  readonly refused: number;
  /** Answers every export with `status` from now on (a collector that rejects), or 200 (null). */
  refuseWith(status: number | null): void;
  /** Resolves once `count` exports in all have been refused. */
  waitForRefused(count: number): Promise<void>;
  /** Resolves with the first export (already received or to come) for which `accept` holds. */
  waitFor(accept: (received: Received) => boolean, what: string): Promise<Received>;
}

const GUARD_MS = 20_000;

/** Starts the receiver on 127.0.0.1 port 0; closed when the test ends. */
export async function startOtlpReceiver(t: TestContext): Promise<OtlpReceiver> {
  const exports: Received[] = [];
  const events = new EventEmitter();
  let refusal: number | null = null;
  let refused = 0;
  const upstream = await startUpstream(t, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/metrics') {
        res.writeHead(404).end();
        return;
      }
      if (refusal !== null) {
        refused++;
        res.writeHead(refusal, { 'content-type': 'application/json' }).end('{"code":3}');
        events.emit('refused');
        return;
      }
      const received = parseExport(req.headers, Buffer.concat(chunks).toString('utf8'));
      exports.push(received);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      events.emit('export', received);
    });
  });
  return {
    url: upstream.url,
    port: upstream.port,
    exports,
    get refused() {
      return refused;
    },
    refuseWith(status) {
      refusal = status;
    },
    async waitForRefused(count) {
      const guard = AbortSignal.timeout(GUARD_MS);
      while (refused < count) {
        await once(events, 'refused', { signal: guard }).catch(() => {
          throw new Error(`fewer than ${count} refused OTLP exports within ${GUARD_MS} ms`);
        });
      }
    },
    async waitFor(accept, what) {
      const seen = exports.find(accept);
      if (seen !== undefined) return seen;
      const guard = AbortSignal.timeout(GUARD_MS);
      for (;;) {
        const [received] = (await once(events, 'export', { signal: guard }).catch(() => {
          throw new Error(`no OTLP export with ${what} within ${GUARD_MS} ms`);
        })) as [Received];
        if (accept(received)) return received;
      }
    },
  };
}

/** The points of `metric` whose attributes include every one of `where`. */
export function pointsOf(
  received: Received,
  metric: string,
  where: Readonly<Record<string, Scalar>> = {},
): Point[] {
  return received.points.filter(
    (point) =>
      point.metric === metric &&
      Object.entries(where).every(([key, value]) => point.attributes[key] === value),
  );
}

/** The sum of `field` over the points of `metric` matching `where`. */
export function total(
  received: Received,
  metric: string,
  field: 'value' | 'count' | 'sum',
  where: Readonly<Record<string, Scalar>> = {},
): number {
  return pointsOf(received, metric, where).reduce((sum, point) => sum + (point[field] ?? 0), 0);
}

interface KeyValue {
  key: string;
  value: {
    stringValue?: string;
    intValue?: number | string;
    doubleValue?: number;
    boolValue?: boolean;
  };
}

interface JsonPoint {
  attributes?: KeyValue[];
  asInt?: number | string;
  asDouble?: number;
  count?: number | string;
  sum?: number;
  bucketCounts?: (number | string)[];
}

interface JsonMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: JsonPoint[] };
  gauge?: { dataPoints: JsonPoint[] };
  histogram?: { dataPoints: JsonPoint[] };
}

interface JsonExport {
  resourceMetrics?: {
    resource?: { attributes?: KeyValue[] };
    scopeMetrics?: { metrics?: JsonMetric[] }[];
  }[];
}

function parseExport(headers: IncomingHttpHeaders, text: string): Received {
  const body = JSON.parse(text) as JsonExport;
  const points: Point[] = [];
  let resource: Record<string, Scalar> = {};
  for (const resourceMetrics of body.resourceMetrics ?? []) {
    resource = attributesOf(resourceMetrics.resource?.attributes);
    for (const scope of resourceMetrics.scopeMetrics ?? []) {
      for (const metric of scope.metrics ?? []) points.push(...pointsIn(metric));
    }
  }
  return { headers, resource, points };
}

function pointsIn(metric: JsonMetric): Point[] {
  const base = { metric: metric.name, unit: metric.unit ?? '' };
  if (metric.histogram !== undefined) {
    return metric.histogram.dataPoints.map((point) => ({
      ...base,
      attributes: attributesOf(point.attributes),
      count: Number(point.count ?? 0),
      sum: point.sum ?? 0,
      buckets: (point.bucketCounts ?? []).map(Number),
    }));
  }
  const dataPoints = metric.sum?.dataPoints ?? metric.gauge?.dataPoints ?? [];
  return dataPoints.map((point) => ({
    ...base,
    attributes: attributesOf(point.attributes),
    value: point.asDouble ?? Number(point.asInt ?? 0),
  }));
}

function attributesOf(list: KeyValue[] | undefined): Record<string, Scalar> {
  const attributes: Record<string, Scalar> = {};
  for (const { key, value } of list ?? []) {
    const scalar =
      value.stringValue ??
      value.doubleValue ??
      value.boolValue ??
      (value.intValue === undefined ? undefined : Number(value.intValue));
    if (scalar !== undefined) attributes[key] = scalar;
  }
  return attributes;
}
