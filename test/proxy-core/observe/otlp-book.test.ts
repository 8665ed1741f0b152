// The OTLP push's aggregation (otlp-book.ts): counters summed and histograms bucketed per
// attribute set, as cumulative data in the SDK's shapes, with the series bound kept.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OtlpBook, type DataKinds } from '../../../proxy-core/observe/otlp-book.js';

// The SDK's values (DataPointType.HISTOGRAM, .SUM, AggregationTemporality.CUMULATIVE,
// ValueType.DOUBLE), as the push hands them in from the loaded SDK.
const KINDS = { histogram: 0, sum: 3, cumulative: 1, double: 1 } as unknown as DataKinds;
const START: [number, number] = [1, 0];
const END: [number, number] = [2, 0];

test('counters sum per attribute set; histograms count each value in the first bucket it fits', () => {
  const book = new OtlpBook();
  book.add({ instrument: 'memex.requests', value: 1, attributes: { 'memex.schema': 'openai' } });
  book.add({ instrument: 'memex.requests', value: 1, attributes: { 'memex.schema': 'openai' } });
  book.add({ instrument: 'memex.requests', value: 1, attributes: { 'memex.schema': 'gemini' } });
  const duration = 'gen_ai.client.operation.duration';
  for (const seconds of [0.005, 0.01, 0.011, 100]) {
    book.add({
      instrument: duration,
      value: seconds,
      attributes: { 'gen_ai.operation.name': 'chat' },
    });
  }
  book.add({ instrument: 'not.an.instrument', value: 1, attributes: {} });
  const metrics = book.collect(START, END, KINDS);
  assert.deepEqual(
    metrics.map((metric) => metric.descriptor.name),
    ['memex.requests', duration],
  );
  const [requests, histogram] = metrics;
  assert.ok(requests !== undefined && histogram !== undefined);
  assert.equal(requests.dataPointType, KINDS.sum);
  assert.deepEqual(
    requests.dataPoints.map((point) => [
      point.attributes,
      point.value,
      point.startTime,
      point.endTime,
    ]),
    [
      [{ 'memex.schema': 'openai' }, 2, START, END],
      [{ 'memex.schema': 'gemini' }, 1, START, END],
    ],
  );
  assert.equal(histogram.dataPointType, KINDS.histogram);
  const [point] = histogram.dataPoints;
  assert.ok(point !== undefined && typeof point.value === 'object');
  const value = point.value as {
    buckets: { boundaries: number[]; counts: number[] };
    sum: number;
    count: number;
    min: number;
    max: number;
  };
  // 0.005 and 0.01 fall in (−∞, 0.01], 0.011 in (0.01, 0.02], 100 past the last bound (81.92).
  assert.deepEqual(value.buckets.counts, [2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(value.buckets.boundaries.length, 14);
  assert.equal(value.count, 4);
  assert.equal(value.min, 0.005);
  assert.equal(value.max, 100);
  assert.ok(Math.abs(value.sum - 100.026) < 1e-9);
});

test('past 10,000 series new attribute sets are dropped and counted, known ones still add', () => {
  const book = new OtlpBook();
  for (let i = 0; i < 10_005; i++) {
    book.add({ instrument: 'memex.tunnels', value: 1, attributes: { 'server.address': `h${i}` } });
  }
  book.add({ instrument: 'memex.tunnels', value: 1, attributes: { 'server.address': 'h0' } });
  assert.equal(book.dropped, 5);
  const [tunnels] = book.collect(START, END, KINDS);
  assert.ok(tunnels !== undefined);
  assert.equal(tunnels.dataPoints.length, 10_000);
  assert.equal(tunnels.dataPoints[0]?.value, 2);
});
