// Writing one batch: its exchanges (each with its inspector capture, if any) and tunnels in one
// transaction through statements prepared once per connection, each row's local day and cost
// worked out on the way.

import type { DatabaseSync } from 'node:sqlite';
import { PriceCache } from '../../shared/price-cache.js';
import { costAt, type Pricing } from '../../shared/pricing.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import { dayKey } from '../usage/totals.js';
import { INSERT_CAPTURE, toCaptureParams } from './capture.js';
import type { Batch } from './pending.js';
import { inTransaction } from './transaction.js';
import { INSERT_REQUEST, INSERT_TUNNEL, toRequestParams, toTunnelParams } from './row.js';

export interface Writer {
  /** Writes every row or none; throws what SQLite throws, after rolling back. */
  write(batch: Batch): void;
}

export function createWriter(db: DatabaseSync, pricing: Pricing): Writer {
  const insertRequest = db.prepare(INSERT_REQUEST);
  const insertTunnel = db.prepare(INSERT_TUNNEL);
  const insertCapture = db.prepare(INSERT_CAPTURE);
  const prices = new PriceCache();
  prices.setPricing(pricing);
  // The day key is worked out once per local day, not once per row.
  let day = '';
  let dayStart = 0;
  let dayEnd = 0;
  const dayOf = (time: number): string => {
    if (time < dayStart || time >= dayEnd) {
      const date = new Date(time);
      day = dayKey(date);
      dayStart = new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
      dayEnd = new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime();
    }
    return day;
  };
  const costOf = (record: RequestRecord): number | undefined => {
    const usage = record.usage;
    if (usage?.kind !== 'counted') return undefined;
    const price = prices.of(usage.model);
    return price === null ? undefined : costAt(price, usage.tokens);
  };

  return {
    write({ requests, tunnels, captures }) {
      inTransaction(db, () => {
        for (const record of requests) {
          const { lastInsertRowid } = insertRequest.run(
            ...toRequestParams(record, dayOf(record.time), costOf(record)),
          );
          const capture = captures?.get(record);
          if (capture !== undefined) {
            insertCapture.run(...toCaptureParams(lastInsertRowid, record.time, capture));
          }
        }
        for (const tunnel of tunnels) {
          insertTunnel.run(...toTunnelParams(tunnel, dayOf(tunnel.time)));
        }
      });
    },
  };
}
