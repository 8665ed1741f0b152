// The origin lookup as the proxy uses it: each lookup posted to the lookup's thread (thread.ts),
// started on the first connection from this machine, so the proxy's event loop does none of the
// scanning. Every answer is parsed; a thread that fails answers every lookup unknown.

import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import {
  UNKNOWN_ORIGIN,
  type Origin,
  type ProcessRef,
  type ProjectRef,
} from '../../../shared/who.js';
import type { Connection } from './lookup.js';

/** A lookup the thread is asked for. */
export interface LookupRequest {
  readonly id: number;
  readonly connection: Connection;
}

export interface ThreadedLookup {
  lookup(connection: Connection): Promise<Origin>;
  close(): void;
}

/**
 * The thread's entry: the bundle's (dist/bin/origin-thread.cjs, build/proxy.ts) next to a bundled
 * proxy, else thread.js beside this module.
 */
export function originThreadEntry(): URL {
  const bundled = new URL('./origin-thread.cjs', import.meta.url);
  return existsSync(bundled) ? bundled : new URL('./thread.js', import.meta.url);
}

export function createThreadedLookup(entry: URL = originThreadEntry()): ThreadedLookup {
  let worker: Worker | undefined;
  let failed = false;
  let nextId = 0;
  const waiting = new Map<number, (origin: Origin) => void>();
  const settleAll = (): void => {
    for (const resolve of waiting.values()) resolve(UNKNOWN_ORIGIN);
    waiting.clear();
  };
  const start = (): Worker => {
    const thread = new Worker(entry);
    thread.unref();
    thread.on('message', (value: unknown) => {
      const answer = parseLookupAnswer(value);
      if (answer === undefined) return;
      const resolve = waiting.get(answer.id);
      waiting.delete(answer.id);
      resolve?.(answer.origin);
      if (waiting.size === 0) thread.unref();
    });
    // A lookup is never worth an error: without its thread every origin is unknown.
    thread.on('error', () => {
      failed = true;
    });
    thread.on('exit', () => {
      failed = true;
      worker = undefined;
      settleAll();
    });
    return thread;
  };
  return {
    lookup(connection) {
      if (failed) return Promise.resolve(UNKNOWN_ORIGIN);
      worker ??= start();
      const thread = worker;
      const id = nextId++;
      return new Promise<Origin>((resolve) => {
        waiting.set(id, resolve);
        thread.ref();
        thread.postMessage({ id, connection } satisfies LookupRequest);
      });
    },
    close() {
      failed = true;
      settleAll();
      void worker?.terminate();
      worker = undefined;
    },
  };
}

type Fields = Readonly<Record<string, unknown>>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535;
}

/** A request as the thread receives it, or undefined. */
export function parseLookupRequest(value: unknown): LookupRequest | undefined {
  if (!isFields(value) || typeof value['id'] !== 'number') return undefined;
  const connection = value['connection'];
  if (!isFields(connection)) return undefined;
  const { clientAddress, clientPort, proxyAddress, proxyPort } = connection;
  if (typeof clientAddress !== 'string' || typeof proxyAddress !== 'string') return undefined;
  if (!isPort(clientPort) || !isPort(proxyPort)) return undefined;
  return { id: value['id'], connection: { clientAddress, clientPort, proxyAddress, proxyPort } };
}

function isTextOrNull(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function parseProcess(value: unknown): ProcessRef | null | undefined {
  if (value === null) return null;
  if (!isFields(value)) return undefined;
  const { pid, name, cwd } = value;
  return typeof pid === 'number' &&
    Number.isInteger(pid) &&
    typeof name === 'string' &&
    isTextOrNull(cwd)
    ? { pid, name, cwd }
    : undefined;
}

function parseProject(value: unknown): ProjectRef | null | undefined {
  if (value === null) return null;
  if (!isFields(value)) return undefined;
  const { root, name, branch } = value;
  return typeof root === 'string' && typeof name === 'string' && isTextOrNull(branch)
    ? { root, name, branch }
    : undefined;
}

/** An answer from the thread, or undefined. */
export function parseLookupAnswer(value: unknown): { id: number; origin: Origin } | undefined {
  if (!isFields(value) || typeof value['id'] !== 'number') return undefined;
  const origin = value['origin'];
  if (!isFields(origin) || !isTextOrNull(origin['user'])) return undefined;
  const process = parseProcess(origin['process']);
  const project = parseProject(origin['project']);
  if (process === undefined || project === undefined) return undefined;
  return { id: value['id'], origin: { process, project, user: origin['user'] } };
}
