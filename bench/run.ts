// `npm run bench [-- --quick]`: the side-by-side benchmark of issue 7. Starts a fake upstream
// and a load client (each its own process), then per round a fresh memex, a fresh bare
// http-proxy-3 proxy and a fresh node:http floor (floor.ts), and runs every workload against
// direct, memex, bare and floor in turn, so drift hits all four alike (the WebSocket workloads
// skip bare, which is configured without ws support). Limit headers (issue 15): a second memex
// per round, routed to upstream paths that carry rate-limit headers, runs the small POST and SSE
// workloads beside memex; `--limits` instead puts them on every response of every workload.
// Process lookups (issue 16): a third memex per round with attribution.processes: false runs the
// same two workloads beside memex, which looks up every load-client connection as users run it.
// History (issue 17) and metrics (issue 18: OTLP push and a Prometheus scrape, every second) each
// run one more memex beside it the same way.
// Prints a table, writes bench/results/<timestamp>.json, and exits 1 on functional errors
// (wrong bytes, dropped streams, unread usage or limits) only, never on timing.
//
//   run.ts ──IPC──▶ client.ts ──http──▶ { upstream | memex, bare, floor /bench/… } ──▶ upstream.ts

import type { ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAccounting, expectedOf } from './accounting.js';
import { forkChild, readMemory, resetPeak, startChild, stopAll, stopChild } from './processes.js';
import type { Child } from './processes.js';
import type { Job, JobResult, Sizes, Target, Workload } from './protocol.js';
import {
  addSample,
  BARE_NOTE,
  emptySamples,
  FLOOR_NOTE,
  ATTRIBUTION_NOTE,
  HISTORY_NOTE,
  LIMITS_NOTE,
  METRICS_NOTE,
  PROXIES,
  summarize,
  summarizeAttribution,
  summarizeHistory,
  summarizeLimits,
  summarizeMetrics,
  toPairLines,
  toTable,
  TARGETS,
} from './report.js';
import type { ProxyName, SampleName, Samples, TargetName } from './report.js';

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
/** The workloads memex also runs with limit headers on, and with process lookups off. */
const PAIRED_WORKLOADS: readonly Workload[] = ['small', 'sse'];

/** bare http-proxy-3 relays WebSockets only through proxy.ws(), which bare.ts does not set up. */
function targetsOf(workload: Workload): readonly TargetName[] {
  return workload === 'ws' || workload === 'wsIdle'
    ? TARGETS.filter((name) => name !== 'bare')
    : TARGETS;
}

/**
 * The order of one workload's runs: the memex variants next to memex, half before it and half
 * after, the order reversed every other round so none always goes first.
 */
function orderOf(workload: Workload, round: number, variants: readonly SampleName[]): SampleName[] {
  const names: SampleName[] = [...targetsOf(workload)];
  if (!PAIRED_WORKLOADS.includes(workload)) return names;
  const around = round % 2 === 1 ? variants : [...variants].reverse();
  const half = Math.ceil(around.length / 2);
  const at = names.indexOf('memex');
  names.splice(at + 1, 0, ...around.slice(half));
  names.splice(at, 0, ...around.slice(0, half));
  return names;
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

/**
 * memex as users run it, its reverse route /bench/… to `upstream`; `config`: a config file;
 * `extra`: more flags.
 */
function startMemex(
  upstream: string,
  home: string,
  config?: string,
  extra: readonly string[] = [],
): Promise<Child> {
  // An empty HOME and cwd, so no user config file is picked up.
  return startChild(
    MEMEX_CLI,
    [
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--upstream',
      `bench=${upstream}`,
      ...(config === undefined ? [] : ['--config', config]),
      ...extra,
    ],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    { cwd: home, env: { ...process.env, HOME: home } },
  );
}

async function startProxies(upstreamPort: number, home: string): Promise<Proxies> {
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  const memex = await startMemex(upstream, home);
  const bare = await startChild(here('./bare.js'), [upstream], /bare listening on (\d+)/);
  const floor = await startChild(here('./floor.js'), [upstream], /floor listening on (\d+)/);
  return { memex, bare, floor };
}

/** What every round shares. */
interface Bench {
  readonly send: (job: Omit<Job, 'id'>) => Promise<JobResult>;
  readonly upstreamPort: number;
  readonly home: string;
  readonly sizes: Sizes;
  /** Limit headers on every response (`--limits`); else memexLimits runs beside memex. */
  readonly limits: boolean;
  /** The config file of the memex with process lookups off. */
  readonly noWhoConfig: string;
  /** The config file of the memex pushing OTLP. */
  readonly metricsConfig: string;
  readonly samples: Samples;
  readonly errors: string[];
}

async function runRound(round: number, bench: Bench): Promise<void> {
  const { send, upstreamPort, home, sizes, samples, errors } = bench;
  const proxies = await startProxies(upstreamPort, home);
  let paired: Child | null = null;
  let noWho: Child | null = null;
  let withHistory: Child | null = null;
  let withMetrics: Child | null = null;
  let scraper: NodeJS.Timeout | undefined;
  try {
    if (!bench.limits) paired = await startMemex(`http://127.0.0.1:${upstreamPort}/limits`, home);
    noWho = await startMemex(`http://127.0.0.1:${upstreamPort}`, home, bench.noWhoConfig);
    const historyFile = join(home, `history-${round}.db`);
    withHistory = await startMemex(`http://127.0.0.1:${upstreamPort}`, home, undefined, [
      '--history',
      historyFile,
    ]);
    withMetrics = await startMemex(`http://127.0.0.1:${upstreamPort}`, home, bench.metricsConfig);
    scraper = scrapeEverySecond(withMetrics.port);
    const targets: Record<SampleName, Target> = {
      direct: { port: upstreamPort, prefix: '' },
      memex: { port: proxies.memex.port, prefix: '/bench' },
      bare: { port: proxies.bare.port, prefix: '/bench' },
      floor: { port: proxies.floor.port, prefix: '/bench' },
      memexLimits: { port: paired?.port ?? 0, prefix: '/bench' },
      memexNoWho: { port: noWho.port, prefix: '/bench' },
      memexHistory: { port: withHistory.port, prefix: '/bench' },
      memexMetrics: { port: withMetrics.port, prefix: '/bench' },
    };
    const variants: SampleName[] =
      paired === null
        ? ['memexNoWho', 'memexHistory', 'memexMetrics']
        : ['memexLimits', 'memexNoWho', 'memexHistory', 'memexMetrics'];
    for (const name of PROXIES) {
      addSample(samples, name, 'spawnMs', proxies[name].spawnMs);
      addSample(samples, name, 'idleRssMiB', readMemory(proxies[name].pid, 'VmRSS') / MIB);
    }
    for (const workload of WORKLOADS) {
      const names = orderOf(workload, round, variants);
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
    const expected = { ...expectedOf(sizes, WORKLOADS), limits: bench.limits };
    const problems = await checkAccounting(proxies.memex.port, expected);
    if (paired !== null) {
      const pairedExpected = { ...expectedOf(sizes, PAIRED_WORKLOADS), limits: true };
      const pairedProblems = await checkAccounting(paired.port, pairedExpected);
      problems.push(...pairedProblems.map((e) => `memexLimits: ${e}`));
    }
    const noWhoExpected = { ...expectedOf(sizes, PAIRED_WORKLOADS), limits: bench.limits };
    const noWhoProblems = await checkAccounting(noWho.port, noWhoExpected);
    problems.push(...noWhoProblems.map((e) => `memexNoWho: ${e}`));
    const historyProblems = await checkAccounting(withHistory.port, noWhoExpected);
    problems.push(...historyProblems.map((e) => `memexHistory: ${e}`));
    const metricsProblems = await checkAccounting(withMetrics.port, noWhoExpected);
    problems.push(...metricsProblems.map((e) => `memexMetrics: ${e}`));
    errors.push(...problems.map((e) => `round ${round}: ${e}`));
  } finally {
    for (const name of PROXIES) await stopChild(proxies[name].process);
    if (paired !== null) await stopChild(paired.process);
    if (noWho !== null) await stopChild(noWho.process);
    if (withHistory !== null) await stopChild(withHistory.process);
    clearInterval(scraper);
    if (withMetrics !== null) await stopChild(withMetrics.process);
  }
}

// A Prometheus at a 1 s scrape interval (15 s is its default); a failed scrape is the accounting
// check's to find, not the scraper's.
function scrapeEverySecond(port: number): NodeJS.Timeout {
  return setInterval(() => {
    get(`http://127.0.0.1:${port}/_memex/metrics`, (res) => res.resume()).on('error', () => {
      // The memex is stopping with the round.
    });
  }, 1_000);
}

async function main(argv: readonly string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const limits = argv.includes('--limits');
  const sizes = quick ? QUICK : FULL;
  const rounds = quick ? 2 : 3;
  const started = new Date();
  const home = mkdtempSync(join(tmpdir(), 'memex-bench-'));
  const samples = emptySamples();
  const errors: string[] = [];
  try {
    const upstream = await startChild(
      here('./upstream.js'),
      limits ? ['--limits'] : [],
      /upstream listening on (\d+)/,
    );
    const send = createClient(forkChild(here('./client.js')));
    const noWhoConfig = join(home, 'no-attribution.yml');
    writeFileSync(noWhoConfig, 'attribution:\n  processes: false\n');
    const metricsConfig = join(home, 'metrics.yml');
    writeFileSync(
      metricsConfig,
      `otlp:\n  endpoint: http://127.0.0.1:${upstream.port}\n  interval_ms: 1000\n`,
    );
    const bench = {
      send,
      upstreamPort: upstream.port,
      home,
      sizes,
      limits,
      noWhoConfig,
      metricsConfig,
      samples,
      errors,
    };
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`bench: round ${round}/${rounds}\n`);
      await runRound(round, bench);
    }
  } finally {
    stopAll();
    rmSync(home, { recursive: true, force: true });
  }
  const rows = summarize(samples);
  const limitsRows = summarizeLimits(samples);
  const attributionRows = summarizeAttribution(samples);
  const historyRows = summarizeHistory(samples);
  const metricsRows = summarizeMetrics(samples);
  const seconds = (Date.now() - started.getTime()) / 1000;
  const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
  const mode = `${quick ? 'quick' : 'full'}${limits ? ', limit headers on every response' : ''}`;
  const limitsText =
    limitsRows.length === 0
      ? ''
      : `\n${LIMITS_NOTE}\n${toPairLines('limit headers', limitsRows)}\n`;
  const attributionText =
    `\n${ATTRIBUTION_NOTE}\n${toPairLines('process lookups', attributionRows)}\n` +
    `\n${HISTORY_NOTE}\n${toPairLines('history', historyRows)}\n` +
    `\n${METRICS_NOTE}\n${toPairLines('metrics', metricsRows)}\n`;
  process.stdout.write(
    `\nmemex bench (${mode}, ${rounds} rounds, ${seconds.toFixed(1)} s) ` +
      `${started.toISOString()} on ${machine}\n` +
      `sizes: ${JSON.stringify(sizes)}\n\n${toTable(rows)}\n\n${FLOOR_NOTE}\n${BARE_NOTE}\n` +
      limitsText +
      attributionText,
  );
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    date: started.toISOString(),
    machine,
    quick,
    limits,
    rounds,
    sizes,
    rows,
    limitsRows,
    attributionRows,
    historyRows,
    metricsRows,
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
