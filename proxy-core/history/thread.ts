// The history writer thread (a node:worker_threads entry): it owns the store, so every SQLite
// call, and the fsyncs of its checkpoints, happen here and never on the proxy's event loop.
// Messages are handled one at a time, in the order they were posted.

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { RequestRecord } from '../../shared/snapshot.js';
import { parseRequestRecord, parseTunnelInput, type TunnelInput } from './record.js';
import { parseThreadOptions, parseToThread, type Call, type FromThread } from './protocol.js';
import { createStore } from './store.js';

/** Retention runs at start and then this often. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** Rows left waiting (a locked file, a full disk) are retried this often without new traffic. */
const RETRY_INTERVAL_MS = 5_000;

function serve(port: MessagePort, options: unknown): void {
  const send = (message: FromThread): void => {
    port.postMessage(message);
  };
  const problem = (message: string): void => {
    send({ type: 'problem', message });
  };
  const parsed = parseThreadOptions(options);
  if (parsed === undefined) {
    problem('history: the writer thread was started without valid options; history is off');
    port.close();
    return;
  }
  const store = createStore({ ...parsed, onProblem: problem });
  let malformed = 0;
  let retry: NodeJS.Timeout | undefined;

  const insert = (requests: RequestRecord[], tunnels: TunnelInput[]): void => {
    const written = store.insert({ requests, tunnels });
    if (!written && store.stats().pending > 0) {
      retry ??= setTimeout(() => {
        retry = undefined;
        insert([], []);
      }, RETRY_INTERVAL_MS);
    }
  };
  const pruneTimer = setInterval(() => store.prune(), PRUNE_INTERVAL_MS);
  store.prune();

  const call = (request: Call): unknown => {
    switch (request.method) {
      case 'query':
        return store.query(request.filter);
      case 'count':
        return store.count(request.filter);
      case 'totals':
        return store.totals(request.filter);
      case 'dayTotals':
        return store.dayTotals(request.sinceDay);
      case 'importUsage':
        return store.importUsage(request.snapshot);
      case 'setPricing':
        store.setPricing(request.pricing);
        return null;
      case 'clear':
        store.clear();
        return null;
      case 'flush':
        insert([], []);
        return null;
      case 'stats':
        return { ...store.stats(), malformed };
      case 'close':
        clearInterval(pruneTimer);
        if (retry !== undefined) clearTimeout(retry);
        insert([], []);
        store.close();
        return null;
    }
  };

  port.on('message', (value: unknown) => {
    const message = parseToThread(value);
    if (message === undefined) {
      problem('history: the writer thread got a message it does not know; it was ignored');
      return;
    }
    if (message.type === 'write') {
      const requests: RequestRecord[] = [];
      const tunnels: TunnelInput[] = [];
      for (const item of message.requests) {
        const record = parseRequestRecord(item);
        if (record === undefined) malformed++;
        else requests.push(record);
      }
      for (const item of message.tunnels) {
        const tunnel = parseTunnelInput(item);
        if (tunnel === undefined) malformed++;
        else tunnels.push(tunnel);
      }
      insert(requests, tunnels);
      return;
    }
    try {
      send({ type: 'reply', id: message.id, ok: true, value: call(message.call) });
    } catch (err) {
      const text = err instanceof Error ? err.message : String(err);
      send({ type: 'reply', id: message.id, ok: false, message: text });
    }
    if (message.call.method === 'close') port.close();
  });
}

if (parentPort !== null) serve(parentPort, workerData);
