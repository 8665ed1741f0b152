// `node dist/bench/history-query.js [--rows N] [--keep DIR]`: the history database's query
// benchmark (issue 17). Fills a file with N requests (default 1,000,000) spread over 90 days,
// through the store's own batched inserts, then times the first page of the dashboard's typical
// queries, median of several runs each, against a target of 100 ms. Not a test: it prints.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestRecord } from '../shared/snapshot.js';
import type { SchemaId } from '../shared/schemas.js';
import { firstKeptDay } from '../proxy-core/usage/totals.js';
import { createStore, type Store } from '../proxy-core/history/store.js';
import { median } from './numbers.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const DAYS = 90;
const BATCH = 5_000;
const RUNS = 7;
const TARGET_MS = 100;

const MODELS = [
  'claude-sonnet-4-5',
  'claude-opus-4-1',
  'claude-haiku-4-5',
  'gpt-5',
  'gpt-5-mini',
  'gpt-4.1',
  'gemini-2.5-pro',
  'gemini-2.5-flash',
  'o3',
  'llama3',
];
const SCHEMA_OF: Readonly<Record<string, SchemaId>> = {
  claude: 'anthropic',
  gpt: 'openai',
  gemini: 'gemini',
  o3: 'openai-responses',
  llama3: 'ollama',
};
const PATHS = [
  '/v1/messages',
  '/v1/messages/count_tokens',
  '/v1/chat/completions',
  '/v1/responses',
  '/v1beta/models/gemini-2.5-pro:streamGenerateContent',
  '/api/chat',
];
const CLIENTS = ['Claude Code', 'Codex CLI', 'Gemini CLI', 'opencode', 'curl', 'python-httpx'];
const STATUSES = [200, 200, 200, 200, 200, 200, 200, 200, 429, 500, 0];

// A deterministic pseudo-random sequence, so every run fills the same file.
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function recordAt(time: number, random: () => number, index: number): RequestRecord {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const model = pick(MODELS);
  const schema = SCHEMA_OF[Object.keys(SCHEMA_OF).find((p) => model.startsWith(p)) ?? ''];
  const status = pick(STATUSES);
  const project = index % 7;
  return {
    time,
    method: 'POST',
    host: 'api.example.com',
    path: pick(PATHS),
    schema: schema ?? 'unknown',
    status,
    complete: status !== 0,
    durationMs: 200 + random() * 5_000,
    ttfbMs: 100 + random() * 900,
    bytesIn: Math.floor(random() * 200_000),
    bytesOut: Math.floor(random() * 20_000),
    ...(status === 200
      ? {
          usage: {
            kind: 'counted',
            model,
            tokens: {
              input: Math.floor(random() * 5_000),
              output: Math.floor(random() * 2_000),
              cacheRead: Math.floor(random() * 50_000),
              cacheWrite: Math.floor(random() * 2_000),
            },
          },
        }
      : {}),
    client: { name: pick(CLIENTS), version: '1.0.0' },
    session: `session-${Math.floor(index / 200)}`,
    project: { root: `/home/dev/project-${project}`, name: `project-${project}`, branch: 'main' },
    process: { pid: 1000 + project, name: 'node', cwd: null },
  };
}

function fill(store: Store, rows: number, now: number): void {
  const random = sequence(17);
  const start = now - DAYS * DAY_MS;
  const step = (DAYS * DAY_MS) / rows;
  for (let done = 0; done < rows; done += BATCH) {
    const requests: RequestRecord[] = [];
    for (let index = done; index < Math.min(done + BATCH, rows); index++) {
      requests.push(recordAt(Math.floor(start + index * step), random, index));
    }
    store.insert({ requests, tunnels: [] });
  }
}

function time(label: string, run: () => unknown): string {
  const samples: number[] = [];
  let size = '';
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    const result = run();
    samples.push(performance.now() - began);
    size = describe(result);
  }
  const ms = median(samples);
  const verdict = ms < TARGET_MS ? 'ok' : 'SLOW';
  return `${label.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms  ${verdict.padEnd(4)} ${size}`;
}

function describe(result: unknown): string {
  if (typeof result === 'number') return `(${result})`;
  if (typeof result !== 'object' || result === null) return '';
  if ('rows' in result && Array.isArray(result.rows)) return `(${result.rows.length} rows)`;
  if ('days' in result && Array.isArray(result.days) && 'models' in result) {
    const models = Array.isArray(result.models) ? result.models.length : 0;
    return `(${result.days.length} days, ${models} models)`;
  }
  return `(${Object.keys(result).length} days)`;
}

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

function main(): void {
  const rows = Number(argument('--rows') ?? 1_000_000);
  const keep = argument('--keep');
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'memex-history-bench-'));
  const file = join(dir, 'history.db');
  const now = Date.now();
  const store = createStore({
    file,
    maxMb: 10_000,
    retentionDays: DAYS + 1,
    onProblem: (message) => {
      console.error(message);
    },
  });
  try {
    const filled = performance.now();
    if (store.count({}) === 0) fill(store, rows, now);
    const fillMs = performance.now() - filled;
    const count = store.count({});
    const mb = statSync(file).size / 1024 / 1024;
    console.log(`${count} rows, ${mb.toFixed(0)} MB, filled in ${(fillMs / 1000).toFixed(1)} s`);
    const week = now - 7 * DAY_MS;
    const month = firstKeptDay(new Date(now), 30);
    const lines = [
      time('last 7 days, model = claude-sonnet-4-5 (page 1)', () =>
        store.query({ since: week, model: 'claude-sonnet-4-5' }),
      ),
      time('last 7 days, model, page 2 (cursor)', () => {
        const first = store.query({ since: week, model: 'claude-sonnet-4-5' });
        return store.query({
          since: week,
          model: 'claude-sonnet-4-5',
          ...(first.next === null ? {} : { cursor: first.next }),
        });
      }),
      time('last 7 days, status 5xx (page 1)', () => store.query({ since: week, status: '5xx' })),
      time('text "count_tokens", all time (page 1)', () => store.query({ text: 'count_tokens' })),
      time('text "streamGenerate", last 7 days (page 1)', () =>
        store.query({ since: week, text: 'streamGenerate' }),
      ),
      time('text "no-such-path", last 7 days (page 1)', () =>
        store.query({ since: week, text: 'no-such-path' }),
      ),
      time('text "no-such-path", all time (page 1: a full scan)', () =>
        store.query({ text: 'no-such-path' }),
      ),
      time('count, last 7 days, model', () =>
        store.count({ since: week, model: 'claude-sonnet-4-5' }),
      ),
      time('dayTotals, 30 days', () => store.dayTotals(month)),
      time('totals per day and model, 30 days', () => store.totals({ since: now - 30 * DAY_MS })),
      time('totals, 30 days, client = Codex CLI', () =>
        store.totals({ since: now - 30 * DAY_MS, client: 'Codex CLI' }),
      ),
      time('session (page 1)', () => store.query({ session: 'session-4000' })),
      time('project, last 7 days (page 1)', () =>
        store.query({ since: week, project: '/home/dev/project-3' }),
      ),
      time('count, everything', () => store.count({})),
    ];
    for (const line of lines) console.log(line);
  } finally {
    store.close();
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

main();
