// The rows waiting in the writer thread while the file cannot take them, bounded: beyond the
// limit the oldest go, across requests and tunnels alike. Pure.

import type { RequestRecord } from '../../shared/snapshot.js';
import type { TunnelInput } from './record.js';

/** Exchanges and tunnels to write together, each list in time order. */
export interface Batch {
  readonly requests: readonly RequestRecord[];
  readonly tunnels: readonly TunnelInput[];
}

export const EMPTY_BATCH: Batch = { requests: [], tunnels: [] };

/** The rows of `a` then `b`, list by list. */
export function joinBatches(a: Batch, b: Batch): Batch {
  if (a.requests.length + a.tunnels.length === 0) return b;
  return { requests: [...a.requests, ...b.requests], tunnels: [...a.tunnels, ...b.tunnels] };
}

export function sizeOf(batch: Batch): number {
  return batch.requests.length + batch.tunnels.length;
}

/** At most `limit` rows of `batch`, the newest; and how many older ones were left out. */
export function boundBatch(batch: Batch, limit: number): { kept: Batch; dropped: number } {
  const over = sizeOf(batch) - limit;
  if (over <= 0) return { kept: batch, dropped: 0 };
  let r = 0;
  let t = 0;
  for (let left = over; left > 0; left--) {
    const request = batch.requests[r];
    const tunnel = batch.tunnels[t];
    if (tunnel === undefined || (request !== undefined && request.time <= tunnel.time)) r++;
    else t++;
  }
  return {
    kept: { requests: batch.requests.slice(r), tunnels: batch.tunnels.slice(t) },
    dropped: over,
  };
}
