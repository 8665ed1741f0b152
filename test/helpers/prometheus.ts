// A real Prometheus (Debian's prometheus package) scraping a memex every second: its config and
// data in a temporary directory, started on port 0 (its "Listening on" line says which port it
// got, so no port is picked first and listened on later), stopped by its PID when the test ends.
// Its HTTP API is read for readiness, targets and queries, waiting on its state in bounded loops.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';

export interface Prometheus {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
}

/** One series of an instant query's answer. */
export interface QuerySample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

// How long Prometheus may take to start, and to show what was asked for.
const START_MS = 10_000;
const WAIT_MS = 15_000;
const POLL_MS = 100;

/** Starts Prometheus scraping memex on 127.0.0.1:`port` at /_memex/metrics, with `token`. */
export async function startPrometheus(
  t: TestContext,
  port: number,
  token?: string,
): Promise<Prometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-prometheus-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const auth = token === undefined ? '' : `    authorization:\n      credentials: ${token}\n`;
  await writeFile(
    join(dir, 'prometheus.yml'),
    'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n' +
      '  - job_name: memex\n    metrics_path: /_memex/metrics\n' +
      `    static_configs:\n      - targets: ['127.0.0.1:${port}']\n${auth}`,
  );
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--web.listen-address=127.0.0.1:0',
      // Info, for the line naming the port; nothing else is read from the log.
      '--log.level=info',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    const hard = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(hard);
  });
  const listening = await new Promise<number>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      reject(new Error(`Prometheus did not listen within ${START_MS} ms:\n${log}`));
    }, START_MS);
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString('utf8');
      const match = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(log);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolve(Number(match[1]));
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      reject(new Error(`Prometheus exited (${String(code)}):\n${log}`));
    });
  });
  const url = `http://127.0.0.1:${listening}`;
  // It listens before its storage is open, answering 503 until then.
  await until('Prometheus to be ready', async () => {
    const response = await fetch(`${url}/-/ready`);
    await response.arrayBuffer();
    return response.ok ? true : undefined;
  });
  return { url };
}

/** Waits until Prometheus's one target has been scraped and is up; its last error otherwise. */
export async function waitForTargetUp(prometheus: Prometheus): Promise<void> {
  await until('the memex target to be up', async () => {
    const data = await api(prometheus, '/api/v1/targets');
    const targets = field(data, 'activeTargets');
    if (!Array.isArray(targets) || targets.length !== 1) return undefined;
    const target: unknown = targets[0];
    const health = field(target, 'health');
    if (health === 'down') throw new Error(`scrape failed: ${String(field(target, 'lastError'))}`);
    return health === 'up' ? true : undefined;
  });
}

/** An instant query's series, once it has any. */
export function queryUntilAnswered(prometheus: Prometheus, query: string): Promise<QuerySample[]> {
  return until(`an answer to ${query}`, async () => {
    const data = await api(prometheus, `/api/v1/query?query=${encodeURIComponent(query)}`);
    const result = field(data, 'result');
    if (!Array.isArray(result) || result.length === 0) return undefined;
    return result.map(toSample);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await delay(POLL_MS);
  }
}

// Prometheus's answers: `{"status":"success","data":…}`.
async function api(prometheus: Prometheus, path: string): Promise<unknown> {
  const response = await fetch(`${prometheus.url}${path}`);
  const body: unknown = await response.json();
  if (field(body, 'status') !== 'success') throw new Error(`${path}: ${JSON.stringify(body)}`);
  return field(body, 'data');
}

// An instant vector's element: `{"metric":{…},"value":[time, "text"]}`.
function toSample(element: unknown): QuerySample {
  const metric = field(element, 'metric');
  const value = field(element, 'value');
  if (typeof metric !== 'object' || metric === null || !Array.isArray(value)) {
    throw new Error(`not a sample: ${JSON.stringify(element)}`);
  }
  const labels: Record<string, string> = {};
  for (const [name, text] of Object.entries(metric)) labels[name] = String(text);
  return { labels, value: Number(value[1]) };
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && name in value
    ? (value as Readonly<Record<string, unknown>>)[name]
    : undefined;
}
