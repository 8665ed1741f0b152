// The bench's load client, run as its own process (forked by run.ts with an IPC channel): takes
// one Job at a time, runs it against one target with node:http (WebSockets: websockets.ts), and
// answers with a JobResult. Every loop is bounded by a count and by a deadline.

import { Agent, request, type IncomingMessage } from 'node:http';
import type { Job, JobResult, Sizes, Target } from './protocol.js';
import { percentile } from './numbers.js';
import { idleWebSockets, webSocketSessions } from './websockets.js';

const BODY = JSON.stringify({
  model: 'bench',
  max_tokens: 16,
  messages: [{ role: 'user', content: 'ping' }],
});
const JOB_TIMEOUT_MS = 120_000;

interface Reply {
  readonly status: number;
  readonly body: Buffer;
}

function send(target: Target, agent: Agent, path: string, body: string | null): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: target.prefix + path,
        method: body === null ? 'GET' : 'POST',
        agent,
        headers: body === null ? {} : { 'content-type': 'application/json' },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

function isEcho(reply: Reply): boolean {
  return reply.status === 200 && reply.body.toString() === BODY;
}

async function small(
  target: Target,
  sizes: Sizes,
  errors: string[],
): Promise<JobResult['metrics']> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  let bad = 0;
  try {
    for (let i = 0; i < sizes.warmup + sizes.smallRequests; i++) {
      const start = process.hrtime.bigint();
      const reply = await send(target, agent, '/v1/messages', BODY);
      const micros = Number(process.hrtime.bigint() - start) / 1000;
      if (!isEcho(reply)) bad += 1;
      if (i >= sizes.warmup) times.push(micros);
    }
  } finally {
    agent.destroy();
  }
  if (bad > 0) errors.push(`small POST: ${bad} replies were not the echoed body`);
  return { smallP50Us: percentile(times, 50), smallP99Us: percentile(times, 99) };
}

async function throughput(
  target: Target,
  sizes: Sizes,
  errors: string[],
): Promise<JobResult['metrics']> {
  const agent = new Agent({ keepAlive: true, maxSockets: sizes.connections });
  let done = 0;
  let bad = 0;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + sizes.throughputMs;
  const worker = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const reply = await send(target, agent, '/v1/chat/completions', BODY).catch(() => null);
      if (reply === null || !isEcho(reply)) bad += 1;
      else done += 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: sizes.connections }, worker));
  } finally {
    agent.destroy();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (bad > 0) errors.push(`throughput: ${bad} requests failed`);
  return { requestsPerSecond: done / seconds };
}

/** Opens one SSE stream; resolves with per-event delays (µs) and time to first event (µs). */
function stream(
  target: Target,
  agent: Agent,
  path: string,
): Promise<{ delays: number[]; firstUs: number; events: number; done: boolean }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const delays: number[] = [];
    let firstUs = -1;
    let done = false;
    let pending = '';
    const req = request(
      { host: '127.0.0.1', port: target.port, path: target.prefix + path, agent },
      (res: IncomingMessage) => {
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          const now = process.hrtime.bigint();
          pending += text;
          let end = pending.indexOf('\n\n');
          while (end !== -1) {
            const event = pending.slice(0, end);
            pending = pending.slice(end + 2);
            end = pending.indexOf('\n\n');
            if (event.startsWith('event: done')) {
              done = true;
              continue;
            }
            const sentAt = /"t":"(\d+)"/.exec(event)?.[1];
            if (sentAt === undefined) continue;
            if (firstUs < 0) firstUs = Number(now - start) / 1000;
            delays.push(Number(now - BigInt(sentAt)) / 1000);
          }
        });
        res.on('end', () => {
          resolve({ delays, firstUs, events: delays.length, done: done && res.statusCode === 200 });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// Several streams one after another: delays pooled, time to first event as their median.
async function sse(target: Target, sizes: Sizes, errors: string[]): Promise<JobResult['metrics']> {
  const agent = new Agent({ keepAlive: false });
  const delays: number[] = [];
  const firsts: number[] = [];
  try {
    for (let i = 0; i < sizes.sseStreams; i++) {
      const result = await stream(
        target,
        agent,
        `/sse/v1/messages?n=${sizes.sseEvents}&ms=${sizes.sseGapMs}`,
      );
      if (!result.done || result.events !== sizes.sseEvents) {
        errors.push(`SSE: got ${result.events}/${sizes.sseEvents} events, done=${result.done}`);
      }
      delays.push(...result.delays);
      firsts.push(result.firstUs);
    }
  } finally {
    agent.destroy();
  }
  return {
    sseDelayP50Us: percentile(delays, 50),
    sseDelayP99Us: percentile(delays, 99),
    firstEventUs: percentile(firsts, 50),
  };
}

function large(target: Target, sizes: Sizes, errors: string[]): Promise<JobResult['metrics']> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let bytes = 0;
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        path: `${target.prefix}/large?bytes=${sizes.largeBytes}`,
        agent: false,
      },
      (res) => {
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => {
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          if (bytes !== sizes.largeBytes || res.statusCode !== 200) {
            errors.push(`large body: got ${bytes} of ${sizes.largeBytes} bytes`);
          }
          resolve({ largeMBps: bytes / 1e6 / seconds });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function streams(
  target: Target,
  sizes: Sizes,
  errors: string[],
): Promise<JobResult['metrics']> {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const path = `/hold/v1/messages?ms=${sizes.holdMs}&every=500`;
  try {
    const results = await Promise.allSettled(
      Array.from({ length: sizes.streams }, () => stream(target, agent, path)),
    );
    const held = results.filter((r) => r.status === 'fulfilled' && r.value.done).length;
    if (held !== sizes.streams) {
      errors.push(`streams: ${sizes.streams - held}/${sizes.streams} dropped`);
    }
    return { streamsHeld: held, streamsDropped: sizes.streams - held };
  } finally {
    agent.destroy();
  }
}

async function run(job: Job): Promise<JobResult> {
  const errors: string[] = [];
  const work = {
    small,
    throughput,
    sse,
    ws: webSocketSessions,
    large,
    streams,
    wsIdle: idleWebSockets,
  }[job.workload];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${job.workload} timed out`));
    }, JOB_TIMEOUT_MS);
  });
  try {
    const metrics = await Promise.race([work(job.target, job.sizes, errors), timeout]);
    return { id: job.id, metrics, errors };
  } catch (err) {
    errors.push(`${job.workload}: ${err instanceof Error ? err.message : String(err)}`);
    return { id: job.id, metrics: {}, errors };
  } finally {
    clearTimeout(timer);
  }
}

process.on('message', (job: Job) => {
  void run(job).then((result) => process.send?.(result));
});
process.on('disconnect', () => process.exit(0));
