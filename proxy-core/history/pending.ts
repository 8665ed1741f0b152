// The rows waiting in the writer thread while the file cannot take them, bounded: beyond the
// limit the oldest go, across requests and tunnels alike; inspector captures, which weigh far
// more than rows, have a bound of their own. Pure.

import type { Capture } from '../../shared/history.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import { sizeOfCapture } from './capture.js';
import type { TunnelInput } from './record.js';

/** Exchanges and tunnels to write together, each list in time order. */
export interface Batch {
  readonly requests: readonly RequestRecord[];
  readonly tunnels: readonly TunnelInput[];
  /** What the inspector captured of some of `requests`, by record. */
  readonly captures?: ReadonlyMap<RequestRecord, Capture>;
}

export const EMPTY_BATCH: Batch = { requests: [], tunnels: [] };

/** Characters of captures kept waiting by default (~64 MB of text); the oldest go beyond. */
export const DEFAULT_PENDING_CAPTURE_CHARS = 32 * 1024 * 1024;

/** The rows of `a` then `b`, list by list. */
export function joinBatches(a: Batch, b: Batch): Batch {
  if (a.requests.length + a.tunnels.length === 0) return b;
  const joined = {
    requests: [...a.requests, ...b.requests],
    tunnels: [...a.tunnels, ...b.tunnels],
  };
  if (a.captures === undefined && b.captures === undefined) return joined;
  return { ...joined, captures: new Map([...(a.captures ?? []), ...(b.captures ?? [])]) };
}

export function sizeOf(batch: Batch): number {
  return batch.requests.length + batch.tunnels.length;
}

/**
 * At most `limit` rows of `batch`, the newest, with the captures of the newest of them up to
 * `captureChars`; and how many older rows, and captures, were left out.
 */
export function boundBatch(
  batch: Batch,
  limit: number,
  captureChars = DEFAULT_PENDING_CAPTURE_CHARS,
): { kept: Batch; dropped: number; droppedCaptures: number } {
  const over = sizeOf(batch) - limit;
  let r = 0;
  let t = 0;
  for (let left = over; left > 0; left--) {
    const request = batch.requests[r];
    const tunnel = batch.tunnels[t];
    if (tunnel === undefined || (request !== undefined && request.time <= tunnel.time)) r++;
    else t++;
  }
  const requests = over > 0 ? batch.requests.slice(r) : batch.requests;
  const rows = over > 0 ? { requests, tunnels: batch.tunnels.slice(t) } : batch;
  const dropped = Math.max(0, over);
  if (batch.captures === undefined) return { kept: rows, dropped, droppedCaptures: 0 };
  const captures = new Map<RequestRecord, Capture>();
  let chars = 0;
  for (let i = requests.length - 1; i >= 0; i--) {
    const record = requests[i];
    const capture = record === undefined ? undefined : batch.captures.get(record);
    if (record === undefined || capture === undefined) continue;
    chars += sizeOfCapture(capture);
    if (chars > captureChars) break;
    captures.set(record, capture);
  }
  return {
    kept: { requests: rows.requests, tunnels: rows.tunnels, captures },
    dropped,
    droppedCaptures: batch.captures.size - captures.size,
  };
}
