// `npm run bench [-- --quick]`: the side-by-side benchmark of issue 7. Starts a fake upstream
// and a load client (each its own process), then per round a fresh memex, a fresh bare
// http-proxy-3 proxy and a fresh node:http floor (floor.ts), and runs every workload against
// direct, memex, bare and floor in turn, so drift hits all four alike (the WebSocket workloads
// skip bare, which is configured without ws support). Prints a table, writes
// bench/results/<timestamp>.json, and exits 1 on functional errors (wrong bytes, dropped
// streams) only, never on timing.
//
//   run.ts ──IPC──▶ client.ts ──http──▶ { upstream | memex, bare, floor /bench/… } ──▶ upstream.ts

import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkChild, readMemory, resetPeak, startChild, stopAll, stopChild } from './processes.js';
import type { Child } from './processes.js';
import type { StatsSnapshot } from '../shared/snapshot.js';
import type { Job, JobResult, Sizes, Target, Workload } from './protocol.js';
import {
  addSample,
  BARE_NOTE,
  emptySamples,
  FLOOR_NOTE,
  PROXIES,
  summarize,
  toTable,
  TARGETS,
} from './report.js';
import type { ProxyName, Samples, TargetName } from './report.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const MEMEX_CLI = here('../bin/memex-proxy.cjs');
const RESULTS_DIR = here('../../bench/results');
const MIB = 1024 * 1024;

const QUICK: Sizes = {
  warmup: 100,
  smallRequests: 500,
  connections: 64,
  throughputMs: 1000,
  sseStreams: 3,
  sseEvents: 100,
  sseGapMs: 5,
  largeBytes: 100 * 1000 * 1000,
  streams: 200,
  holdMs: 2000,
  wsSessions: 3,
  wsMessages: 50,
  wsGapMs: 5,
  wsIdle: 100,
  wsBatch: 50,
  wsHoldMs: 500,
};
const FULL: Sizes = {
  warmup: 200,
  smallRequests: 2000,
  connections: 64,
  throughputMs: 5000,
  sseStreams: 5,
  sseEvents: 200,
  sseGapMs: 5,
  largeBytes: 1024 * MIB,
  streams: 1000,
  holdMs: 10_000,
  wsSessions: 5,
  wsMessages: 200,
  wsGapMs: 5,
  wsIdle: 1000,
  wsBatch: 100,
  wsHoldMs: 5000,
};
const WORKLOADS: readonly Workload[] = [
  'small',
  'throughput',
  'sse',
  'ws',
  'large',
  'streams',
  'wsIdle',
];
/** The peak RSS (VmHWM) read after a workload; RESETS: reset before it (else it runs from spawn). */
const PEAKS: Partial<Record<Workload, string>> = {
  sse: 'peakRequestsMiB',
  large: 'peakLargeMiB',
  streams: 'peakStreamsMiB',
  wsIdle: 'peakWebSocketsMiB',
};
const RESETS: ReadonlySet<Workload> = new Set(['large', 'streams', 'wsIdle']);

/** bare http-proxy-3 relays WebSockets only through proxy.ws(), which bare.ts does not set up. */
function targetsOf(workload: Workload): readonly TargetName[] {
  return workload === 'ws' || workload === 'wsIdle'
    ? TARGETS.filter((name) => name !== 'bare')
    : TARGETS;
}

interface Pending {
  readonly resolve: (result: JobResult) => void;
  readonly reject: (err: Error) => void;
}

/** Sends jobs to the load client one at a time. */
function createClient(child: ChildProcess): (job: Omit<Job, 'id'>) => Promise<JobResult> {
  let next = 0;
  const waiting = new Map<number, Pending>();
  child.on('message', (result: JobResult) => {
    waiting.get(result.id)?.resolve(result);
    waiting.delete(result.id);
  });
  child.once('exit', () => {
    for (const pending of waiting.values()) pending.reject(new Error('load client exited'));
    waiting.clear();
  });
  return (job) =>
    new Promise((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve, reject });
      child.send({ ...job, id });
    });
}

type Proxies = Record<ProxyName, Child>;

async function startProxies(upstreamPort: number, home: string): Promise<Proxies> {
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  // An empty HOME and cwd, so no user config file is picked up.
  const memex = await startChild(
    MEMEX_CLI,
    ['--host', '127.0.0.1', '--port', '0', '--upstream', `bench=${upstream}`],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    { cwd: home, env: { ...process.env, HOME: home } },
  );
  const bare = await startChild(here('./bare.js'), [upstream], /bare listening on (\d+)/);
  const floor = await startChild(here('./floor.js'), [upstream], /floor listening on (\d+)/);
  return { memex, bare, floor };
}

async function runRound(
  round: number,
  send: (job: Omit<Job, 'id'>) => Promise<JobResult>,
  upstreamPort: number,
  home: string,
  sizes: Sizes,
  samples: Samples,
  errors: string[],
): Promise<void> {
  const proxies = await startProxies(upstreamPort, home);
  try {
    const targets: Record<TargetName, Target> = {
      direct: { port: upstreamPort, prefix: '' },
      memex: { port: proxies.memex.port, prefix: '/bench' },
      bare: { port: proxies.bare.port, prefix: '/bench' },
      floor: { port: proxies.floor.port, prefix: '/bench' },
    };
    for (const name of PROXIES) {
      addSample(samples, name, 'spawnMs', proxies[name].spawnMs);
      addSample(samples, name, 'idleRssMiB', readMemory(proxies[name].pid, 'VmRSS') / MIB);
    }
    for (const workload of WORKLOADS) {
      const names = targetsOf(workload);
      const proxied = PROXIES.filter((name) => names.includes(name));
      if (RESETS.has(workload)) {
        for (const name of proxied) resetPeak(proxies[name].pid);
      }
      for (const name of names) {
        const result = await send({ workload, target: targets[name], sizes });
        for (const [metric, value] of Object.entries(result.metrics)) {
          addSample(samples, name, metric, value);
        }
        errors.push(...result.errors.map((e) => `round ${round}, ${name}: ${e}`));
      }
      const peakMetric = PEAKS[workload];
      if (peakMetric !== undefined) {
        for (const name of proxied) {
          addSample(samples, name, peakMetric, readMemory(proxies[name].pid, 'VmHWM') / MIB);
        }
      }
    }
    errors.push(
      ...(await checkAccounting(proxies.memex.port, sizes)).map((e) => `round ${round}: ${e}`),
    );
  } finally {
    for (const name of PROXIES) await stopChild(proxies[name].process);
  }
}

// Every SSE stream through memex is an Anthropic stream, and every WebSocket session a Responses
// session, whose usage memex must have read: proof the figures above were taken with token
// accounting on.
async function checkAccounting(port: number, sizes: Sizes): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${port}/_memex/stats`);
  const stats = (await response.json()) as StatsSnapshot;
  const counted = { anthropic: 0, 'openai-responses': 0 };
  let unparsed = 0;
  for (const day of Object.values(stats.usage.days)) {
    for (const schema of ['anthropic', 'openai-responses'] as const) {
      counted[schema] += day.schemas[schema]?.output ?? 0;
      unparsed += day.schemas[schema]?.unparsed ?? 0;
    }
  }
  const expected = {
    anthropic: sizes.sseStreams * sizes.sseEvents + sizes.streams * Math.ceil(sizes.holdMs / 500),
    'openai-responses': sizes.wsSessions * sizes.wsMessages,
  };
  const problems: string[] = [];
  for (const schema of ['anthropic', 'openai-responses'] as const) {
    if (counted[schema] !== expected[schema]) {
      problems.push(
        `memex counted ${counted[schema]} ${schema} output tokens, expected ${expected[schema]}`,
      );
    }
  }
  if (unparsed !== 0) problems.push(`memex could not parse ${unparsed} bench responses`);
  return problems;
}

async function main(argv: readonly string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const sizes = quick ? QUICK : FULL;
  const rounds = quick ? 2 : 3;
  const started = new Date();
  const home = mkdtempSync(join(tmpdir(), 'memex-bench-'));
  const samples = emptySamples();
  const errors: string[] = [];
  try {
    const upstream = await startChild(here('./upstream.js'), [], /upstream listening on (\d+)/);
    const send = createClient(forkChild(here('./client.js')));
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`bench: round ${round}/${rounds}\n`);
      await runRound(round, send, upstream.port, home, sizes, samples, errors);
    }
  } finally {
    stopAll();
    rmSync(home, { recursive: true, force: true });
  }
  const rows = summarize(samples);
  const seconds = (Date.now() - started.getTime()) / 1000;
  const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
  process.stdout.write(
    `\nmemex bench (${quick ? 'quick' : 'full'}, ${rounds} rounds, ${seconds.toFixed(1)} s) ` +
      `${started.toISOString()} on ${machine}\n` +
      `sizes: ${JSON.stringify(sizes)}\n\n${toTable(rows)}\n\n${FLOOR_NOTE}\n${BARE_NOTE}\n`,
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    date: started.toISOString(),
    machine,
    quick,
    rounds,
    sizes,
    rows,
    samples,
    errors,
  };
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`\nresults: ${file}\n`);
  if (errors.length > 0) {
    process.stdout.write(`\nFUNCTIONAL ERRORS (${errors.length}):\n${errors.join('\n')}\n`);
    return 1;
  }
  return 0;
}

process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopAll();
    process.exit(130);
  });
}
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    stopAll();
    process.exitCode = 1;
  },
);
