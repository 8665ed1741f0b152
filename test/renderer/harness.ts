// What the dashboard tests share: one headless Chromium and one static server per test file, a
// fresh page per test with the fake bridge and a clean-page check, and builders for states and
// history rows.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  countRecord,
  createRendererServer,
  emptyStats,
  installFakeBridge,
  launchChromium,
  type BridgeCall,
  type FakeBridgePage,
  type FakeHistory,
  type RendererServer,
} from '../../build/preview.js';
import type { DashboardState } from '../../shared/bridge.js';
import type { HistoryRow } from '../../shared/history.js';
import type { ProxyStatus } from '../../shared/status.js';
import type { SchemaId } from '../../proxy-core/http/schema.js';
import type { RequestRecord, StatsSnapshot } from '../../shared/snapshot.js';

/** 2025-01-15 09:30:05 UTC: 5 s into a minute, so pushes within a test stay in known minutes. */
export const TIME = Date.UTC(2025, 0, 15, 9, 30, 5);
export const MINUTE = 60_000;
const RUNNING: ProxyStatus = { kind: 'running', host: '127.0.0.1', port: 8080 };

// The bits of the page's DOM the assertions read, typed here: the test compiles without the DOM lib.
export interface PageWindow {
  document: { activeElement: { id: string; tagName: string } | null };
  getComputedStyle(element: unknown): {
    outlineStyle: string;
    backgroundColor: string;
    color: string;
  };
}

export interface InlineScriptWindow {
  inlineRan?: boolean;
  document: {
    createElement(tag: 'script'): { textContent: string };
    body: { append(node: unknown): void };
  };
}

export interface Dashboard {
  readonly page: Page;
  push(state: DashboardState): Promise<void>;
  /** Sets what the fake's history calls answer from. */
  setHistory(history: FakeHistory): Promise<void>;
  calls(): Promise<BridgeCall[]>;
  /** Waits until the bridge has been called `count` times in all. */
  waitForCalls(count: number): Promise<void>;
  violations(): Promise<string[]>;
  /** Console errors and warnings and uncaught page errors so far. */
  readonly problems: string[];
}

export interface DashboardSetup {
  /**
   * Runs `body` against a fresh page (its own browser context), then checks that the page logged
   * no error or warning, threw nothing and broke no CSP rule.
   */
  readonly dashboardTest: (name: string, body: (dashboard: Dashboard) => Promise<void>) => void;
  /** The static server, once the file's `before` hook has run. */
  readonly server: () => RendererServer;
}

/** Registers the file's hooks that start and close Chromium and the server; call once, at top. */
export function setUpDashboard(): DashboardSetup {
  let browser: Browser | undefined;
  let server: RendererServer | undefined;
  before(async () => {
    server = await createRendererServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  const started = (): { browser: Browser; server: RendererServer } => {
    if (browser === undefined || server === undefined) throw new Error('before hook not run');
    return { browser, server };
  };
  return {
    dashboardTest: (name, body) => {
      runTest(name, body, started);
    },
    server: () => started().server,
  };
}

function runTest(
  name: string,
  body: (dashboard: Dashboard) => Promise<void>,
  started: () => { browser: Browser; server: RendererServer },
): void {
  test(name, async (t) => {
    const { browser, server } = started();
    const context = await browser.newContext({
      timezoneId: 'UTC',
      locale: 'en-US',
      colorScheme: 'light',
      viewport: { width: 1280, height: 860 },
    });
    t.after(() => context.close());
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') {
        problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => {
      problems.push(`page error: ${error.message}`);
    });
    await page.addInitScript(installFakeBridge);
    await page.goto(server.url);
    const dashboard: Dashboard = {
      page,
      problems,
      push: (state) =>
        page.evaluate((pushed) => {
          (globalThis as unknown as FakeBridgePage).__memex.push(pushed);
        }, state),
      setHistory: (history) =>
        page.evaluate((set) => {
          (globalThis as unknown as FakeBridgePage).__memex.setHistory(set);
        }, history),
      calls: () => page.evaluate(() => (globalThis as unknown as FakeBridgePage).__memex.calls),
      waitForCalls: async (count) => {
        await page.waitForFunction(
          (least) => (globalThis as unknown as FakeBridgePage).__memex.calls.length >= least,
          count,
        );
      },
      violations: () =>
        page.evaluate(() => (globalThis as unknown as FakeBridgePage).__memex.violations),
    };
    await body(dashboard);
    assert.deepEqual(await dashboard.violations(), [], 'CSP violations');
    assert.deepEqual(problems, [], 'console errors and page errors');
  });
}

/** The app settings a fresh install has. */
export const SETTINGS: DashboardState['settings'] = {
  startProxyOnLaunch: true,
  limitNotifications: true,
  autostart: false,
  defaultShell: 'bash',
  historyRetentionDays: 90,
  historyMaxMb: 500,
  inspector: false,
};

export function state(overrides: Partial<DashboardState> = {}): DashboardState {
  return {
    status: RUNNING,
    statusLine: 'Running on 127.0.0.1:8080',
    stats: emptyStats(),
    configError: null,
    configPath: '/home/me/.memex.yml',
    usageToday: null,
    pricing: {},
    settings: SETTINGS,
    history: { file: '/home/me/.config/memex/history.db', problem: null },
    time: TIME,
    ...overrides,
  };
}

export function request(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    time: TIME - 1000,
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 1234,
    bytesIn: 2048,
    bytesOut: 15_000,
    ...overrides,
  };
}

/** Stats whose totals are `records` plus `earlier` requests per schema no longer in `recent`. */
export function statsOf(
  records: readonly RequestRecord[],
  earlier: Partial<Record<SchemaId, number>> = {},
  uptimeMs = 60_000,
): StatsSnapshot {
  const stats = emptyStats(uptimeMs);
  for (const [schema, count] of Object.entries(earlier) as [SchemaId, number][]) {
    stats.requests[schema] += count;
    stats.schemas[schema].requests += count;
  }
  for (const record of records) countRecord(stats, record);
  return { ...stats, recent: [...records] };
}

/** `count` requests, one a second, newest first, the newest at `newest`. */
export function requests(
  count: number,
  newest: number,
  schemaAt = (_i: number): SchemaId => 'anthropic',
) {
  return Array.from({ length: count }, (_, i) =>
    request({ time: newest - i * 1000, schema: schemaAt(i), path: `/v1/messages/${i}` }),
  );
}

/** A stored request a second before TIME: a counted, priced Anthropic call from Claude Code. */
export function historyRow(overrides: Partial<HistoryRow> = {}): HistoryRow {
  return {
    id: 1,
    time: TIME - 1000,
    day: '2025-01-15',
    method: 'POST',
    host: 'api.anthropic.com',
    path: '/v1/messages',
    schema: 'anthropic',
    status: 200,
    complete: true,
    durationMs: 1234,
    ttfbMs: 400,
    firstContentMs: 520,
    bytesIn: 2048,
    bytesOut: 15_000,
    model: 'claude-sonnet-4-5',
    usageKind: 'counted',
    input: 12,
    output: 345,
    cacheRead: 30_000,
    cacheWrite: 500,
    cost: 0.0142,
    client: 'Claude Code',
    clientVersion: '2.1.332',
    session: '3f2a9c1e-7b4d-4e8a-9c61-0d5f2b8e4a17',
    projectRoot: '/Users/dana/src/memex',
    projectName: 'memex',
    branch: 'main',
    processName: 'claude',
    pid: 48213,
    user: null,
    ...overrides,
  };
}

/** A history of `rows` only, with no totals, captures or export. */
export function history(overrides: Partial<FakeHistory> = {}): FakeHistory {
  return {
    rows: [],
    totals: { days: [], models: [] },
    captures: {},
    exportPath: null,
    failure: null,
    ...overrides,
  };
}

export async function texts(locator: Locator): Promise<string[]> {
  return (await locator.allTextContents()).map((text) => text.trim());
}

export async function bars(
  page: Page,
  schema: SchemaId,
): Promise<{ count: number; height: number }[]> {
  return page
    .locator(`.card[data-schema="${schema}"] .bar`)
    .evaluateAll((elements: { getAttribute(name: string): string | null }[]) =>
      elements.map((bar) => ({
        count: Number(bar.getAttribute('data-count')),
        height: Number(bar.getAttribute('height')),
      })),
    );
}

export const visibleRows = (page: Page): Locator => page.locator('#requests-body tr:not([hidden])');
