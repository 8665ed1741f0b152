// The Prometheus exposition of /_memex/metrics: prom-client renders memex's families beside its
// own process metrics, as Prometheus text or OpenMetrics. Imported on the first scrape only
// (http/metrics-endpoint.ts), so a memex never scraped never loads prom-client (~8 MiB of RSS).

import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Registry,
  type RegistryContentType,
} from 'prom-client';
import type { MetricFamily } from './metrics-families.js';

/** A rendered scrape. */
export interface Exposition {
  readonly contentType: RegistryContentType;
  readonly body: string;
}

// The process metrics (CPU, memory, event loop lag, GC) sample from the first scrape on.
let processMetrics: Registry | undefined;

/** Renders `families` and the process metrics, in OpenMetrics when `openMetrics`. */
export async function toExposition(
  families: readonly MetricFamily[],
  openMetrics: boolean,
): Promise<Exposition> {
  if (processMetrics === undefined) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  const own = await processMetrics.getMetricsAsJSON();
  // A fresh registry per scrape, as both formats may be asked for: rendering OpenMetrics renames
  // the registered counter families. There is one source, so "aggregating" passes each family
  // through as it is; `first` also keeps the families prom-client leaves out of a cluster's sum
  // (process_start_time_seconds).
  const registry = AggregatorRegistry.aggregate<RegistryContentType>([
    [...own, ...families].map((family) => ({
      ...family,
      name: openMetrics ? toOpenMetricsName(family.name, String(family.type)) : family.name,
      aggregator: 'first',
    })),
  ]);
  const contentType = openMetrics
    ? Registry.OPENMETRICS_CONTENT_TYPE
    : Registry.PROMETHEUS_CONTENT_TYPE;
  registry.setContentType(contentType);
  return { contentType, body: await registry.metrics() };
}

// An OpenMetrics counter's family is named without `_total`, which its samples then add
// (OpenMetrics 1.0, Counter). prom-client drops it from a registered family's name, but renders
// an aggregated family from its source, which must be named so already.
function toOpenMetricsName(name: string, type: string): string {
  return type === 'counter' && name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
}
