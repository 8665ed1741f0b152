// The history writer thread (a node:worker_threads entry): it owns the store, so every SQLite
// call, and the fsyncs of its checkpoints, happen here and never on the proxy's event loop.
// Messages are handled one at a time, in the order they were posted.

import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Capture } from '../../shared/history.js';
import type { RequestRecord } from '../../shared/snapshot.js';
import { parseCapture } from './capture.js';
import { isInteger, isPair } from './fields.js';
import type { Batch } from './pending.js';
import { parseRequestRecord, parseTunnelInput, type TunnelInput } from './record.js';
import { parseThreadOptions, parseToThread, type Call, type FromThread } from './protocol.js';
import { createStore } from './store.js';

/** Retention runs at start and then this often… */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
/** …and that of captures, whose span is hours, not days, this often. */
const CAPTURE_PRUNE_INTERVAL_MS = 10 * 60 * 1000;
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

  const insert = (batch: Batch): void => {
    const written = store.insert(batch);
    if (!written && store.stats().pending > 0) {
      retry ??= setTimeout(() => {
        retry = undefined;
        insert(EMPTY);
      }, RETRY_INTERVAL_MS);
    }
  };
  const pruneTimer = setInterval(() => store.prune(), PRUNE_INTERVAL_MS);
  const capturePruneTimer = setInterval(() => store.pruneCaptures(), CAPTURE_PRUNE_INTERVAL_MS);
  store.prune();
  store.pruneCaptures();

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
      case 'detail':
        return store.detail(request.id);
      case 'captures':
        return [...store.captures(request.ids)];
      case 'setPricing':
        store.setPricing(request.pricing);
        return null;
      case 'clear':
        store.clear();
        return null;
      case 'flush':
        insert(EMPTY);
        return null;
      case 'stats':
        return { ...store.stats(), malformed };
      case 'close':
        clearInterval(pruneTimer);
        clearInterval(capturePruneTimer);
        if (retry !== undefined) clearTimeout(retry);
        insert(EMPTY);
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
      const { batch, refused } = parseWrite(message.requests, message.tunnels, message.captures);
      malformed += refused;
      insert(batch);
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

const EMPTY: Batch = { requests: [], tunnels: [] };

/**
 * A write message's batch, each row and capture parsed; `refused` counts those that were not
 * what they claim (the capture of a refused request is refused too).
 */
function parseWrite(
  requestItems: readonly unknown[],
  tunnelItems: readonly unknown[],
  captureItems: readonly unknown[],
): { batch: Batch; refused: number } {
  let refused = 0;
  const parsed = requestItems.map(parseRequestRecord);
  const requests: RequestRecord[] = [];
  for (const record of parsed) {
    if (record === undefined) refused++;
    else requests.push(record);
  }
  const tunnels: TunnelInput[] = [];
  for (const item of tunnelItems) {
    const tunnel = parseTunnelInput(item);
    if (tunnel === undefined) refused++;
    else tunnels.push(tunnel);
  }
  if (captureItems.length === 0) return { batch: { requests, tunnels }, refused };
  const captures = new Map<RequestRecord, Capture>();
  for (const item of captureItems) {
    const [index, value] = isPair(item) ? item : [undefined, undefined];
    const record = isInteger(index) ? parsed[index] : undefined;
    const capture = parseCapture(value);
    if (record === undefined || capture === undefined) refused++;
    else captures.set(record, capture);
  }
  return { batch: { requests, tunnels, captures }, refused };
}

if (parentPort !== null) serve(parentPort, workerData);
