// What one finished exchange or tunnel adds to the OTLP metrics: the GenAI conventions'
// instruments (genai.ts) for the requests that are GenAI operations, and memex's own for what
// the conventions do not cover (every request by status and client, tokens by cache type, cost,
// tunnels). Label values are bounded as /_memex/metrics's are (metrics.ts). Pure.

import type { Attributes } from '@opentelemetry/api';
import { costAt, type Pricing } from '../../shared/pricing.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import { PriceCache } from '../../shared/price-cache.js';
import {
  ERROR_TYPE,
  OPERATION_DURATION,
  OPERATION_NAME,
  PROVIDER_NAME,
  REQUEST_MODEL,
  RESPONSE_MODEL,
  TIME_TO_FIRST_CHUNK,
  TOKEN_TYPE,
  TOKEN_USAGE,
  errorType,
  operationName,
  providerName,
  requestModel,
} from './genai.js';
import {
  CLIENT_LABELS,
  HOST_LABELS,
  LabelValues,
  MODEL_LABELS,
  UNKNOWN,
  USER_LABELS,
  toClientLabel,
  toModelLabel,
  toUserLabel,
} from './metrics.js';

export const REQUESTS = 'memex.requests';
export const TOKENS = 'memex.tokens';
export const COST = 'memex.cost';
export const TUNNELS = 'memex.tunnels';

export const SCHEMA = 'memex.schema';
export const CLIENT = 'memex.client';
export const MEMEX_TOKEN_TYPE = 'memex.token.type';
export const STATUS_CODE = 'http.response.status_code';
export const SERVER_ADDRESS = 'server.address';
export const USER = 'user.name';

/** One value for one instrument. */
export interface Measurement {
  readonly instrument: string;
  readonly value: number;
  readonly attributes: Attributes;
}

const TOKEN_KINDS = [
  ['input', 'input'],
  ['output', 'output'],
  ['cacheRead', 'cache_read'],
  ['cacheWrite', 'cache_write'],
] as const;

/** Turns records into measurements, keeping each label within its bound for the process's life. */
export class OtlpMeasures {
  readonly #models = new LabelValues(MODEL_LABELS, toModelLabel);
  readonly #clients = new LabelValues(CLIENT_LABELS, toClientLabel);
  readonly #hosts = new LabelValues(HOST_LABELS, (host) => host);
  readonly #users = new LabelValues(USER_LABELS, toUserLabel);
  readonly #prices = new PriceCache();

  setPricing(pricing: Pricing): void {
    this.#prices.setPricing(pricing);
  }

  /** The measurements of a finished exchange (or of a response carried in a WebSocket). */
  ofRequest(record: RequestRecord, into: Measurement[]): void {
    const { schema, usage } = record;
    const mine: Attributes = {
      [SCHEMA]: schema,
      [CLIENT]: this.#clients.of(record.client?.name ?? ''),
    };
    if (record.user !== undefined) mine[USER] = this.#users.of(record.user);
    const failure = errorType(record);
    const counted: Attributes = { ...mine };
    if (record.status > 0) counted[STATUS_CODE] = record.status;
    if (failure !== null) counted[ERROR_TYPE] = failure;
    into.push({ instrument: REQUESTS, value: 1, attributes: counted });

    const model = usage === undefined || usage.model === '' ? null : this.#models.of(usage.model);
    if (usage?.kind === 'counted') {
      const perModel: Attributes = { ...mine, [RESPONSE_MODEL]: model ?? UNKNOWN };
      for (const [field, type] of TOKEN_KINDS) {
        const value = usage.tokens[field];
        if (value > 0) {
          into.push({
            instrument: TOKENS,
            value,
            attributes: { ...perModel, [MEMEX_TOKEN_TYPE]: type },
          });
        }
      }
      const price = this.#prices.of(usage.model);
      if (price !== null) {
        into.push({ instrument: COST, value: costAt(price, usage.tokens), attributes: perModel });
      }
    }

    const operation = operationName(record);
    if (operation === null) return;
    const genai: Attributes = {
      [OPERATION_NAME]: operation,
      [PROVIDER_NAME]: providerName(schema, record.host),
    };
    const asked = requestModel(schema, record.path);
    if (asked !== null) genai[REQUEST_MODEL] = this.#models.of(asked);
    if (model !== null) genai[RESPONSE_MODEL] = model;
    if (record.user !== undefined) genai[USER] = mine[USER];
    into.push({
      instrument: OPERATION_DURATION,
      value: record.durationMs / 1000,
      attributes: failure === null ? genai : { ...genai, [ERROR_TYPE]: failure },
    });
    // The conventions report it for streaming calls only; a stream is what has content events.
    if (record.firstContentMs !== undefined && record.ttfbMs !== undefined) {
      into.push({
        instrument: TIME_TO_FIRST_CHUNK,
        value: record.ttfbMs / 1000,
        attributes: genai,
      });
    }
    if (usage?.kind !== 'counted') return;
    const { input, output, cacheRead, cacheWrite } = usage.tokens;
    // The conventions' input is the whole prompt; memex's `input` leaves the cached part out.
    into.push({
      instrument: TOKEN_USAGE,
      value: input + cacheRead + cacheWrite,
      attributes: { ...genai, [TOKEN_TYPE]: 'input' },
    });
    into.push({
      instrument: TOKEN_USAGE,
      value: output,
      attributes: { ...genai, [TOKEN_TYPE]: 'output' },
    });
  }

  /** The measurement of a CONNECT tunnel opened to `host` (by proxy user `user`). */
  ofTunnel(host: string, user: string | null): Measurement {
    const attributes: Attributes = { [SERVER_ADDRESS]: this.#hosts.of(host) };
    if (user !== null) attributes[USER] = this.#users.of(user);
    return { instrument: TUNNELS, value: 1, attributes };
  }
}
