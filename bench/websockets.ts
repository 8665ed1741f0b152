// The load client's WebSocket workloads (issue 14), with the `ws` client: Responses sessions whose
// server messages carry their send time (the added per-message delay), and many idle WebSockets
// held open at once, each asked for a pong after the hold. Every wait has a deadline.

import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { percentile } from './numbers.js';
import type { JobResult, Sizes, Target } from './protocol.js';

const OPEN_TIMEOUT_MS = 10_000;
/** For pongs after the hold and for close handshakes at the end. */
const SETTLE_TIMEOUT_MS = 10_000;

function connect(target: Target): WebSocket {
  const url = `ws://127.0.0.1:${target.port}${target.prefix}/ws/v1/responses`;
  return new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: OPEN_TIMEOUT_MS });
}

/** One session on a new WebSocket: per-message delays (µs) until response.completed. */
function session(target: Target, sizes: Sizes): Promise<{ delays: number[]; done: boolean }> {
  return new Promise((resolve) => {
    const ws = connect(target);
    const delays: number[] = [];
    let done = false;
    const timer = setTimeout(
      () => {
        ws.terminate();
      },
      sizes.wsMessages * sizes.wsGapMs + SETTLE_TIMEOUT_MS,
    );
    // ws emits 'close' after every 'error': the close listener settles.
    ws.on('error', () => undefined);
    ws.on('open', () => {
      const create = { type: 'response.create', model: 'bench-model' };
      ws.send(JSON.stringify({ ...create, n: sizes.wsMessages, ms: sizes.wsGapMs }));
    });
    ws.on('message', (data: Buffer) => {
      const now = process.hrtime.bigint();
      const text = data.toString('utf8');
      // Sent as CLOCK_MONOTONIC nanoseconds, a clock shared by the processes on one machine.
      const sentAt = /"t":"(\d+)"/.exec(text)?.[1];
      if (sentAt !== undefined) {
        delays.push(Number(now - BigInt(sentAt)) / 1000);
      } else if (text.includes('"response.completed"')) {
        done = true;
        ws.close(1000);
      }
    });
    ws.on('close', () => {
      clearTimeout(timer);
      resolve({ delays, done });
    });
  });
}

/** Sessions one after another: delays pooled, as the SSE workload pools its streams'. */
export async function webSocketSessions(
  target: Target,
  sizes: Sizes,
  errors: string[],
): Promise<JobResult['metrics']> {
  const delays: number[] = [];
  for (let i = 0; i < sizes.wsSessions; i++) {
    const result = await session(target, sizes);
    if (!result.done || result.delays.length !== sizes.wsMessages) {
      errors.push(
        `WebSocket: got ${result.delays.length}/${sizes.wsMessages} messages, done=${result.done}`,
      );
    }
    delays.push(...result.delays);
  }
  return { wsDelayP50Us: percentile(delays, 50), wsDelayP99Us: percentile(delays, 99) };
}

/** Resolves with the open WebSocket, or null if its handshake failed. */
function openIdle(target: Target): Promise<WebSocket | null> {
  return new Promise((resolve) => {
    const ws = connect(target);
    ws.on('error', () => undefined);
    ws.once('open', () => {
      resolve(ws);
    });
    ws.once('close', () => {
      resolve(null);
    });
  });
}

/** Resolves true if `ws` answers a ping before `deadline` (ms since the epoch). */
function answers(ws: WebSocket, deadline: number): Promise<boolean> {
  if (ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => {
        resolve(false);
      },
      Math.max(0, deadline - Date.now()),
    );
    const settle = (answered: boolean): void => {
      clearTimeout(timer);
      ws.off('pong', onPong);
      ws.off('close', onClose);
      resolve(answered);
    };
    const onPong = (): void => {
      settle(true);
    };
    const onClose = (): void => {
      settle(false);
    };
    ws.once('pong', onPong);
    ws.once('close', onClose);
    ws.ping();
  });
}

/** Closes every socket with a close handshake; stragglers past the deadline are terminated. */
async function closeAll(sockets: readonly WebSocket[]): Promise<void> {
  const closing = sockets
    .filter((ws) => ws.readyState !== WebSocket.CLOSED)
    .map((ws) => {
      const closed = new Promise((resolve) => ws.once('close', resolve));
      ws.close(1000);
      return closed;
    });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(resolve, SETTLE_TIMEOUT_MS);
  });
  await Promise.race([Promise.all(closing), deadline]);
  clearTimeout(timer);
  for (const ws of sockets) ws.terminate();
}

/** `wsIdle` WebSockets opened `wsBatch` at a time, held `wsHoldMs`, pinged, then closed. */
export async function idleWebSockets(
  target: Target,
  sizes: Sizes,
  errors: string[],
): Promise<JobResult['metrics']> {
  const sockets: WebSocket[] = [];
  try {
    for (let started = 0; started < sizes.wsIdle; started += sizes.wsBatch) {
      const count = Math.min(sizes.wsBatch, sizes.wsIdle - started);
      const batch = await Promise.all(Array.from({ length: count }, () => openIdle(target)));
      for (const ws of batch) if (ws !== null) sockets.push(ws);
    }
    await sleep(sizes.wsHoldMs);
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    const alive = await Promise.all(sockets.map((ws) => answers(ws, deadline)));
    const held = alive.filter(Boolean).length;
    if (held !== sizes.wsIdle) {
      errors.push(
        `idle WebSockets: ${sockets.length}/${sizes.wsIdle} opened, ` +
          `${sizes.wsIdle - held} dropped`,
      );
    }
    return { wsOpened: sockets.length, wsDropped: sizes.wsIdle - held };
  } finally {
    await closeAll(sockets);
  }
}
