// The built dashboard (dist/renderer/) in headless Chromium, without Electron: a static server
// that also sends index.html's CSP as a header, a fake window.memex that records every call and
// shows whatever state the caller pushes and answers history from rows the caller sets, and stats
// to push (empty, a provider account whose limits fill with use, or who called: sample callers
// and their tallies). Used by the dashboard tests and the screenshot.

import { once } from 'node:events';
import { constants } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { DashboardSetting, DashboardState, MemexBridge } from '../shared/bridge.js';
import type { AgentId } from '../shared/agent-setup.js';
import type { EnvMode, Shell } from '../shared/env.js';
import type {
  Capture,
  ExportFormat,
  HistoryFilter,
  HistoryRow,
  HistoryTotals,
} from '../shared/history.js';
import type { Pricing } from '../shared/pricing.js';
import { SCHEMAS, type SchemaId } from '../proxy-core/http/schema.js';
import type {
  AccountLimits,
  RequestRecord,
  SeenWindow,
  StatsSnapshot,
  UsagePoint,
} from '../shared/snapshot.js';
import type { ProjectRef } from '../shared/who.js';
import { WhoBook } from '../proxy-core/observe/who.js';
import { dayKey } from '../proxy-core/usage/totals.js';

const RENDERER_DIR = fileURLToPath(new URL('../renderer/', import.meta.url));

/** Debian's Chromium (`apt-get install chromium`); Playwright's own downloads are not used. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Starts headless Chromium; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  await access(CHROMIUM_PATH, constants.X_OK).catch((err: unknown) => {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium`, { cause: err });
  });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking'],
  });
}

const TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.js.map': 'application/json',
};

export interface RendererServer {
  /** `http://127.0.0.1:PORT/index.html` */
  readonly url: string;
  /** The Content-Security-Policy header sent with every file. */
  readonly csp: string;
  close(): Promise<void>;
}

/**
 * Serves the built window on 127.0.0.1 port 0. The header repeats the page's meta CSP and adds
 * frame-ancestors, which only a header can carry (a meta tag's is ignored, with a console error).
 */
export async function createRendererServer(dir = RENDERER_DIR): Promise<RendererServer> {
  const html = await readFile(`${dir}/index.html`, 'utf8');
  const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
  if (meta === undefined) throw new Error('index.html has no Content-Security-Policy meta tag');
  const csp = `${meta}; frame-ancestors 'none'`;
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://localhost').pathname.slice(1) || 'index.html';
    const type = TYPES[name];
    // Chromium asks for one unprompted; Electron's file:// window never does.
    if (name === 'favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'GET' || type === undefined) {
      res.writeHead(404).end();
      return;
    }
    readFile(`${dir}/${name}`).then(
      (body) => {
        res.writeHead(200, { 'content-type': type, 'content-security-policy': csp }).end(body);
      },
      () => {
        res.writeHead(404).end();
      },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/index.html`,
    csp,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/** A bridge call as the fake records it. */
export type BridgeCall =
  | { readonly name: 'start' | 'stop' | 'openConfig' }
  | { readonly name: 'copyEnv'; readonly shell: Shell; readonly mode: EnvMode }
  | { readonly name: 'copyAgentSetup'; readonly agent: AgentId; readonly shell: Shell }
  | { readonly name: 'setSetting'; readonly setting: DashboardSetting }
  | { readonly name: 'queryHistory' | 'historyTotals'; readonly filter: HistoryFilter }
  | { readonly name: 'historyDetail'; readonly id: number }
  | {
      readonly name: 'exportHistory';
      readonly filter: HistoryFilter;
      readonly format: ExportFormat;
    }
  | { readonly name: 'clearHistory' };

/** What the fake's history calls answer from (plain data: it crosses into the page). */
export interface FakeHistory {
  /** The stored requests, newest first; queries page through those their filter matches. */
  readonly rows: readonly HistoryRow[];
  /** historyTotals' answer, whatever the filter. */
  readonly totals: HistoryTotals;
  /** Inspector captures by row id. */
  readonly captures: Readonly<Record<number, Capture>>;
  /** What exportHistory resolves with: the saved file, or null as when the user cancels. */
  readonly exportPath: string | null;
  /** When set, every history call rejects with it, as main's do while the proxy is stopped. */
  readonly failure: string | null;
}

/** What the fake adds to the page's window, for `page.evaluate`. */
export interface FakeBridgePage {
  memex: MemexBridge;
  readonly __memex: {
    /** Every bridge call, oldest first. */
    readonly calls: BridgeCall[];
    /** Every CSP violation the page reported, as `directive blocked-uri`. */
    readonly violations: string[];
    /** Sends `state` to the page's listeners, as main's IPC would. */
    push(state: DashboardState): void;
    /** Replaces what the history calls answer from (none at first). */
    setHistory(history: FakeHistory): void;
  };
}

/**
 * Installs the fake window.memex. Runs inside the page (pass it to `page.addInitScript`), so it
 * uses nothing from this module's scope.
 */
export function installFakeBridge(): void {
  const page = globalThis as unknown as FakeBridgePage & {
    document: {
      addEventListener(
        type: 'securitypolicyviolation',
        listener: (event: { violatedDirective: string; blockedURI: string }) => void,
      ): void;
    };
  };
  const listeners = new Set<(state: DashboardState) => void>();
  const calls: BridgeCall[] = [];
  const violations: string[] = [];
  let current: DashboardState | null = null;
  let history: FakeHistory = {
    rows: [],
    totals: { days: [], models: [] },
    captures: {},
    exportPath: null,
    failure: null,
  };
  const record = (call: BridgeCall): Promise<void> => {
    calls.push(call);
    return Promise.resolve();
  };
  const answer = <T>(call: BridgeCall, value: () => T): Promise<T> => {
    calls.push(call);
    const { failure } = history;
    return failure === null ? Promise.resolve(value()) : Promise.reject(new Error(failure));
  };
  // The store's own meaning of each filter field (proxy-core/history/filter.ts), row by row.
  const matches = (row: HistoryRow, filter: HistoryFilter): boolean => {
    const { since, until, schema, model, status, client, project, session, text } = filter;
    const classes = {
      '2xx': row.status >= 200 && row.status < 300,
      '4xx': row.status >= 400 && row.status < 500,
      '5xx': row.status >= 500 && row.status < 600,
      error: row.status === 0 || !row.complete,
    };
    return (
      (since === undefined || row.time >= since) &&
      (until === undefined || row.time < until) &&
      (schema === undefined || row.schema === schema) &&
      (model === undefined || (row.model ?? '') === model) &&
      (status === undefined || classes[status]) &&
      (client === undefined || row.client === client) &&
      (project === undefined || row.projectRoot === project) &&
      (session === undefined || row.session === session) &&
      (text === undefined || row.path.toLowerCase().includes(text.toLowerCase()))
    );
  };
  page.memex = {
    onState(listener) {
      listeners.add(listener);
      if (current !== null) listener(current);
      return () => {
        listeners.delete(listener);
      };
    },
    start: () => record({ name: 'start' }),
    stop: () => record({ name: 'stop' }),
    openConfig: () => record({ name: 'openConfig' }),
    copyEnv: (shell, mode) => record({ name: 'copyEnv', shell, mode }),
    copyAgentSetup: (agent, shell) => record({ name: 'copyAgentSetup', agent, shell }),
    setSetting: (setting) => record({ name: 'setSetting', setting }),
    // The fake's cursor is the index of the page's first row among the matches.
    queryHistory: (filter) =>
      answer({ name: 'queryHistory', filter }, () => {
        const found = history.rows.filter((row) => matches(row, filter));
        const start = filter.cursor === undefined ? 0 : Number(filter.cursor);
        const end = start + (filter.limit ?? 100);
        return { rows: found.slice(start, end), next: end < found.length ? String(end) : null };
      }),
    historyTotals: (filter) => answer({ name: 'historyTotals', filter }, () => history.totals),
    historyDetail: (id) =>
      answer({ name: 'historyDetail', id }, () => {
        const row = history.rows.find((candidate) => candidate.id === id);
        return row === undefined ? null : { row, capture: history.captures[id] ?? null };
      }),
    exportHistory: (filter, format) =>
      answer({ name: 'exportHistory', filter, format }, () => history.exportPath),
    clearHistory: () =>
      answer({ name: 'clearHistory' }, () => {
        history = { ...history, rows: [], totals: { days: [], models: [] }, captures: {} };
      }),
  };
  Object.assign(page, {
    __memex: {
      calls,
      violations,
      push(state: DashboardState) {
        current = state;
        for (const listener of listeners) listener(state);
      },
      setHistory(next: FakeHistory) {
        history = next;
      },
    },
  });
  page.document.addEventListener('securitypolicyviolation', (event) => {
    violations.push(`${event.violatedDirective} ${event.blockedURI}`);
  });
}

/** Counts `record` into `stats` as the worker's stats would (requests, errors, bytes). */
export function countRecord(stats: StatsSnapshot, record: RequestRecord): void {
  stats.requests[record.schema]++;
  const totals = stats.schemas[record.schema];
  totals.requests++;
  if (record.status >= 400 || !record.complete) totals.errors++;
  totals.bytesIn += record.bytesIn;
  totals.bytesOut += record.bytesOut;
}

/** Stats with nothing counted yet. */
export function emptyStats(uptimeMs = 1000): StatsSnapshot {
  const requests = {} as Record<SchemaId, number>;
  const schemas = {} as StatsSnapshot['schemas'];
  for (const id of SCHEMAS) {
    requests[id] = 0;
    schemas[id] = { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 };
  }
  return {
    requests,
    schemas,
    active: 0,
    tunnels: { total: 0, active: 0, failed: 0, bytesIn: 0, bytesOut: 0, byHost: {} },
    websockets: { total: 0, active: 0 },
    usage: { version: 1, days: {} },
    latency: {},
    limits: { accounts: [], errors: [] },
    clients: [],
    sessions: [],
    projects: [],
    users: [],
    uptimeMs,
    recent: [],
  };
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
// The worker keeps one reading per 5 minutes (observe/accounts.ts).
const READING_STEP = 5 * MINUTE;

/** Spans when an account's client was busy: [from, to], ms since the epoch. */
export type Busy = readonly (readonly [number, number])[];

/** A made-up window: [id, minutes long, resets at, used at its start, used per busy minute]. */
export type SampleWindow = readonly [string, number, number, number, number];

export interface SampleAccount {
  readonly provider: AccountLimits['provider'];
  readonly host: string;
  readonly fingerprint: string;
  readonly binding: string | null;
  readonly plan: string | null;
  readonly busy: Busy;
  readonly windows: readonly SampleWindow[];
}

/**
 * `sample` as the worker would report it at `time`: each window used as much as the busy minutes
 * since it last reset make it, and a reading every 5 busy minutes over the last day.
 */
export function sampleAccount(sample: SampleAccount, time: number): AccountLimits {
  const { busy, windows } = sample;
  const times: number[] = [];
  for (let t = Math.ceil((time - DAY) / READING_STEP) * READING_STEP; t < time; t += READING_STEP) {
    if (busyMinutes(busy, t - MINUTE, t) > 0) times.push(t);
  }
  times.push(time);
  const seen = (window: SampleWindow): SeenWindow => {
    const [id, windowMinutes, resetsAt] = window;
    return {
      id,
      usedFraction: usedAt(window, busy, time),
      limit: null,
      remaining: null,
      resetsAt,
      windowMinutes,
      status: 'allowed',
      seenAt: time,
    };
  };
  const history = (window: SampleWindow): UsagePoint[] =>
    times.map((t) => [t, usedAt(window, busy, t)]);
  return {
    provider: sample.provider,
    host: sample.host,
    fingerprint: sample.fingerprint,
    windows: windows.map(seen),
    history: Object.fromEntries(windows.map((window) => [window[0], history(window)])),
    binding: sample.binding,
    plan: sample.plan,
    retryAfterMs: null,
    rateLimited: 0,
    seenAt: time,
  };
}

function usedAt(window: SampleWindow, busy: Busy, time: number): number {
  const [, minutes, resetsAt, base, perMinute] = window;
  const period = minutes * MINUTE;
  const start = resetsAt - Math.ceil((resetsAt - time) / period) * period;
  return base + perMinute * busyMinutes(busy, start, time);
}

function busyMinutes(busy: Busy, from: number, to: number): number {
  let sum = 0;
  for (const [start, end] of busy) sum += Math.max(0, Math.min(end, to) - Math.max(start, from));
  return sum / MINUTE;
}

/** Who a sample request came from: what a record carries about its caller. */
export type SampleCaller = Pick<
  RequestRecord,
  'client' | 'session' | 'process' | 'project' | 'user'
>;

const MEMEX: ProjectRef = { root: '/Users/dana/src/memex', name: 'memex', branch: 'main' };
const MEMEX_WORKTREE: ProjectRef = {
  root: '/Users/dana/src/memex-limits',
  name: 'memex-limits',
  branch: 'issue-16-who',
};
const GATEWAY: ProjectRef = { root: '/Users/dana/work/gateway', name: 'gateway', branch: 'main' };

/**
 * A morning's callers: two Claude Code sessions in two work trees of one repository, Codex in
 * another project, a script on the OpenAI SDK with no session, and curl from another machine.
 */
export const SAMPLE_CALLERS: readonly SampleCaller[] = [
  {
    client: { name: 'Claude Code', version: '2.1.332' },
    session: '3f2a9c1e-7b4d-4e8a-9c61-0d5f2b8e4a17',
    process: { pid: 48213, name: 'claude', cwd: `${MEMEX.root}/renderer` },
    project: MEMEX,
  },
  {
    client: { name: 'Claude Code', version: '2.1.332' },
    session: 'b81e04d7-2c59-4f3a-8e1d-6a9c7f30b2e5',
    process: { pid: 51877, name: 'claude', cwd: MEMEX_WORKTREE.root },
    project: MEMEX_WORKTREE,
  },
  {
    client: { name: 'Codex CLI', version: '0.171.0' },
    session: '0199c2d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d',
    process: { pid: 39002, name: 'codex', cwd: GATEWAY.root },
    project: GATEWAY,
  },
  {
    client: { name: 'OpenAI SDK (Python)', version: '2.8.1 (CPython 3.12.4)' },
    process: { pid: 60114, name: 'nightly-report', cwd: `${GATEWAY.root}/scripts` },
    project: GATEWAY,
  },
  { client: { name: 'curl', version: '8.14.1' }, user: 'ci' },
];

/**
 * `record` with a sample caller for its API: Claude Code's two sessions for Anthropic (every
 * third second the second one), Codex for Responses, the SDK script for Chat Completions, curl
 * for the rest.
 */
export function withSampleCaller(record: RequestRecord): RequestRecord {
  const second = Math.floor(record.time / 1000);
  const index: Partial<Record<SchemaId, number>> = {
    anthropic: second % 3 === 0 ? 1 : 0,
    'openai-responses': 2,
    openai: 3,
  };
  return { ...record, ...SAMPLE_CALLERS[index[record.schema] ?? 4] };
}

/**
 * The clients, sessions and projects sections the worker would report at `time` for `records`
 * (counted by the worker's own book), costed with `pricing`; today is the local day of `time`.
 */
export function whoOf(
  records: readonly RequestRecord[],
  time: number,
  pricing: Pricing = {},
): Pick<StatsSnapshot, 'clients' | 'sessions' | 'projects'> {
  const book = new WhoBook();
  book.setPricing(pricing);
  for (const record of [...records].sort((a, b) => a.time - b.time)) {
    book.request(record, record.time, dayKey(new Date(record.time)));
  }
  return book.snapshot({ key: dayKey(new Date(time)), start: new Date(time).setHours(0, 0, 0, 0) });
}
