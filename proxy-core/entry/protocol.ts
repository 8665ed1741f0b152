// Messages between the Electron main process and the proxy worker, and the one parser each side
// runs on what arrives: the worker parses main's messages, main parses the worker's.

import type { Config } from '../config/config.js';
import { isPlainObject } from '../config/check.js';
import { CONFIG_KEYS, toConfig } from '../config/validate.js';
import { parseStatsSnapshot, type StatsSnapshot } from '../../shared/snapshot.js';
import { isWorkerErrorCode, type WorkerErrorCode } from '../../shared/status.js';
import type { HistoryFilter } from '../../shared/history.js';
import { parseHistoryFilter } from '../history/filter.js';

export { WORKER_ERROR_CODES, type WorkerErrorCode } from '../../shared/status.js';

/** Main → worker. */
export type MainMessage =
  | {
      readonly type: 'start';
      readonly config: Config;
      /** Token totals kept by the tray app (a UsageSnapshot), so today survives a restart. */
      readonly usage?: unknown;
    }
  | { readonly type: 'reload'; readonly config: Config }
  | { readonly type: 'history'; readonly id: number; readonly call: HistoryCall }
  | { readonly type: 'stop' };

/** What main asks of the worker's history (the worker owns the file). */
export type HistoryCall =
  | { readonly method: 'query' | 'totals'; readonly filter: HistoryFilter }
  | { readonly method: 'detail'; readonly id: number }
  | { readonly method: 'captures'; readonly ids: readonly number[] }
  | { readonly method: 'clear' };

/** Worker → main. */
export type WorkerMessage =
  | {
      readonly type: 'listening';
      readonly host: string;
      readonly port: number;
      /** Present (true) when the listener serves TLS (config tls): clients use https://. */
      readonly secure?: true;
    }
  | { readonly type: 'stats'; readonly snapshot: StatsSnapshot }
  | {
      readonly type: 'error';
      /**
       * A ListenError code; `BAD_MESSAGE` for a message that is not a MainMessage;
       * `CONFIG_INVALID` for a config that could not be applied (on reload, the last good config
       * keeps running); `WORKER_CRASHED` for an uncaught exception (the worker then exits);
       * `WORKER_ERROR` for anything else.
       */
      readonly code: WorkerErrorCode;
      readonly message: string;
      /** True when the worker cannot run until the user acts (port in use, bad config). */
      readonly fatal: boolean;
    }
  | {
      readonly type: 'history-reply';
      readonly id: number;
      /** The call's answer, parsed by main per call (parseHistoryAnswer). */
      readonly value?: unknown;
      /** Why the call failed (history off, the file unreadable), for people. */
      readonly problem?: string;
    }
  | { readonly type: 'stopped' };

/** Stats snapshots go to main at most this often, and only when something changed. */
export const STATS_INTERVAL_MS = 250;

/** Why a message from main was not taken: its shape (BAD_MESSAGE) or its config's values. */
export interface MessageProblem {
  readonly code: 'BAD_MESSAGE' | 'CONFIG_INVALID';
  /** For people; never echoes the message (its config carries proxy credentials). */
  readonly reason: string;
  /** The type of the message, when it had a known one. */
  readonly type?: 'start' | 'reload';
}

/**
 * Parses a message from main, config included: the one validation a message gets. A config must
 * carry every top-level key (main sends whole configs), and its values pass the same checks as
 * a config file's.
 */
export function parseMainMessage(value: unknown): MainMessage | MessageProblem {
  if (typeof value !== 'object' || value === null || !('type' in value)) {
    return { code: 'BAD_MESSAGE', reason: describe(value) };
  }
  const message = value as { type: unknown; config?: unknown; usage?: unknown };
  const type = message.type;
  if (type === 'stop') return { type: 'stop' };
  if (type === 'history') return parseHistoryMessage(value);
  if (type !== 'start' && type !== 'reload')
    return { code: 'BAD_MESSAGE', reason: describe(value) };
  const given = message.config;
  if (!isPlainObject(given) || CONFIG_KEYS.some((key) => !(key in given))) {
    return { code: 'BAD_MESSAGE', reason: `${type} without a whole config`, type };
  }
  let config: Config;
  try {
    config = toConfig(given, 'config from main');
  } catch (err) {
    return {
      code: 'CONFIG_INVALID',
      reason: err instanceof Error ? err.message : String(err),
      type,
    };
  }
  if (type === 'reload') return { type, config };
  // The usage seed stays unknown here: Stats.seedUsage validates it part by part.
  return message.usage === undefined ? { type, config } : { type, config, usage: message.usage };
}

function parseHistoryMessage(
  message: Readonly<Record<string, unknown>>,
): MainMessage | MessageProblem {
  const { id, call } = message;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || !isPlainObject(call)) {
    return { code: 'BAD_MESSAGE', reason: 'history without an id and a call' };
  }
  const method = call['method'];
  if (method === 'clear') return { type: 'history', id, call: { method } };
  const target = call['id'];
  if (method === 'detail' && isRowId(target)) {
    return { type: 'history', id, call: { method, id: target } };
  }
  const ids = call['ids'];
  if (method === 'captures' && Array.isArray(ids) && ids.every(isRowId)) {
    return { type: 'history', id, call: { method, ids } };
  }
  if (method === 'query' || method === 'totals') {
    const filter = parseHistoryFilter(call['filter']);
    if (filter !== undefined) return { type: 'history', id, call: { method, filter } };
  }
  return { code: 'BAD_MESSAGE', reason: 'history with a malformed call' };
}

function isRowId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** True for a parse result that is a problem, not a message. */
export function isMessageProblem(result: MainMessage | MessageProblem): result is MessageProblem {
  return 'code' in result;
}

/** Why a message from the worker was not taken. */
export interface WorkerMessageProblem {
  /** For a log line: what was wrong, never the values (a snapshot carries hosts and paths). */
  readonly reason: string;
}

/**
 * Parses a message from the worker: each field checked, a stats snapshot in full (shared's
 * parseStatsSnapshot). An error code outside WorkerErrorCode becomes `WORKER_ERROR`, message
 * and `fatal` kept: a fatal failure must still stop the start it ends, whatever it is called.
 */
export function parseWorkerMessage(value: unknown): WorkerMessage | WorkerMessageProblem {
  if (typeof value !== 'object' || value === null || !('type' in value)) {
    return { reason: `not a message (${describe(value)})` };
  }
  const message: { readonly type: unknown } & Readonly<Record<string, unknown>> = value;
  switch (message.type) {
    case 'listening': {
      const { host, port, secure } = message;
      if (typeof host !== 'string' || typeof port !== 'number' || !Number.isInteger(port)) {
        return { reason: 'listening without a host and port' };
      }
      if (secure !== undefined && secure !== true) return { reason: 'listening with a bad secure' };
      return secure === true
        ? { type: 'listening', host, port, secure }
        : { type: 'listening', host, port };
    }
    case 'stats': {
      const snapshot = parseStatsSnapshot(message['snapshot']);
      if (snapshot === undefined) return { reason: 'stats with a malformed snapshot' };
      return { type: 'stats', snapshot };
    }
    case 'error': {
      const { code, fatal } = message;
      const text = message['message'];
      if (typeof code !== 'string' || typeof text !== 'string' || typeof fatal !== 'boolean') {
        return { reason: 'error without a code, message and fatal flag' };
      }
      return {
        type: 'error',
        code: isWorkerErrorCode(code) ? code : 'WORKER_ERROR',
        message: text,
        fatal,
      };
    }
    case 'history-reply': {
      const { id, problem } = message;
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
        return { reason: 'history-reply without an id' };
      }
      if (problem !== undefined) {
        return typeof problem === 'string'
          ? { type: 'history-reply', id, problem }
          : { reason: 'history-reply with a malformed problem' };
      }
      return { type: 'history-reply', id, value: message['value'] };
    }
    case 'stopped':
      return { type: 'stopped' };
    default:
      return { reason: `unknown message (${describe(value)})` };
  }
}

/** True for a parse result that is a problem, not a message. */
export function isWorkerMessageProblem(
  result: WorkerMessage | WorkerMessageProblem,
): result is WorkerMessageProblem {
  return !('type' in result);
}

function describe(value: unknown): string {
  if (typeof value !== 'object' || value === null) return typeof value;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' ? `type ${JSON.stringify(type.slice(0, 40))}` : 'no type';
}
