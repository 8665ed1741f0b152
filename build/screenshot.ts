// Renders the dashboard with a realistic quarter hour of traffic (a few hundred requests across
// schemas, some failures, HTTPS tunnels) in headless Chromium and saves docs/dashboard.png.
// `npm run screenshot`; `node dist/build/screenshot.js [out.png] [--dark] [--size=960x720]` for
// another file, the dark appearance or another window size. The traffic is generated from a fixed seed, so the picture is repeatable.

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardState } from '../main/dashboard-api.js';
import type { SchemaId } from '../proxy-core/schema.js';
import { RECENT_LIMIT, type RequestRecord, type StatsSnapshot } from '../proxy-core/stats.js';
import {
  createRendererServer,
  emptyStats,
  installFakeBridge,
  launchChromium,
  type FakeBridgePage,
} from './preview.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MINUTE = 60_000;
// 2025-06-12 14:32:10 UTC, shown in UTC.
const END = Date.UTC(2025, 5, 12, 14, 32, 10);
const START = END - 15 * MINUTE;
const STEP_MS = 20_000;

interface Kind {
  readonly schema: SchemaId;
  readonly host: string;
  readonly paths: readonly string[];
  readonly method: string;
  /** Mean requests per minute. */
  readonly rate: number;
  readonly durationMs: readonly [number, number];
  readonly bytesIn: readonly [number, number];
  readonly bytesOut: readonly [number, number];
}

const KINDS: readonly Kind[] = [
  {
    schema: 'anthropic',
    host: 'api.anthropic.com',
    paths: ['/v1/messages', '/v1/messages', '/v1/messages', '/v1/messages/count_tokens'],
    method: 'POST',
    rate: 13,
    durationMs: [700, 24_000],
    bytesIn: [3_000, 180_000],
    bytesOut: [1_200, 40_000],
  },
  {
    schema: 'openai',
    host: 'api.openai.com',
    paths: ['/v1/chat/completions', '/v1/chat/completions', '/v1/embeddings'],
    method: 'POST',
    rate: 6,
    durationMs: [300, 9_000],
    bytesIn: [800, 40_000],
    bytesOut: [600, 22_000],
  },
  {
    schema: 'openai-responses',
    host: 'api.openai.com',
    paths: ['/v1/responses'],
    method: 'POST',
    rate: 2.5,
    durationMs: [900, 30_000],
    bytesIn: [2_000, 90_000],
    bytesOut: [1_000, 30_000],
  },
  {
    schema: 'gemini',
    host: 'generativelanguage.googleapis.com',
    paths: ['/v1beta/models/gemini-2.5-flash:streamGenerateContent'],
    method: 'POST',
    rate: 1.2,
    durationMs: [600, 12_000],
    bytesIn: [1_000, 20_000],
    bytesOut: [800, 16_000],
  },
];

// A small fixed-seed generator (mulberry32), so every run draws the same traffic.
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A quarter hour of requests, oldest first; the agent's activity rises and falls. */
function traffic(): RequestRecord[] {
  const next = random(7);
  const between = (range: readonly [number, number]): number =>
    Math.round(range[0] + (range[1] - range[0]) * next() ** 2);
  const records: RequestRecord[] = [];
  for (let time = START; time < END - 2000; time += 1000) {
    const minute = (time - START) / MINUTE;
    const activity = 0.45 + 0.55 * Math.sin(minute / 2.3) ** 2 + (minute > 10 ? 0.4 : 0);
    for (const kind of KINDS) {
      if (next() >= (kind.rate / 60) * activity) continue;
      const failure = next();
      const status = failure < 0.012 ? 529 : failure < 0.02 ? 502 : 200;
      records.push({
        time,
        method: kind.method,
        host: kind.host,
        path: kind.paths[Math.floor(next() * kind.paths.length)] ?? kind.paths[0] ?? '/',
        schema: kind.schema,
        status,
        complete: failure > 0.995 ? false : true,
        durationMs: status === 200 ? between(kind.durationMs) : between([40, 900]),
        bytesIn: between(kind.bytesIn),
        bytesOut: status === 200 ? between(kind.bytesOut) : 310,
      });
    }
  }
  // A failure or two among the newest, as the table shows them.
  const last = records.length - 1;
  for (const [back, change] of [
    [2, { status: 529, durationMs: 412, bytesOut: 310 }],
    [9, { complete: false }],
  ] as const) {
    const record = records[last - back];
    if (record !== undefined) records[last - back] = { ...record, ...change };
  }
  return records;
}

/** What the worker would report at `time`, having seen `records` (oldest first). */
function statsAt(records: readonly RequestRecord[], time: number): StatsSnapshot {
  const stats = emptyStats(time - START + 4 * MINUTE);
  const done = records.filter((record) => record.time + record.durationMs <= time);
  for (const record of done) {
    stats.requests[record.schema]++;
    const totals = stats.schemas[record.schema];
    totals.requests++;
    if (record.status >= 400 || !record.complete) totals.errors++;
    totals.bytesIn += record.bytesIn;
    totals.bytesOut += record.bytesOut;
  }
  const share = (time - START) / (END - START);
  const tunnel = (schema: SchemaId, count: number) => ({
    schema,
    count: Math.round(count * share),
  });
  const byHost = Object.fromEntries(
    Object.entries({
      'api.anthropic.com': tunnel('anthropic', 38),
      'api.openai.com': tunnel('openai', 17),
      'statsig.anthropic.com': tunnel('unknown', 9),
      'registry.npmjs.org': tunnel('unknown', 6),
      'github.com': tunnel('unknown', 3),
    }).filter(([, entry]) => entry.count > 0),
  );
  const total = Object.values(byHost).reduce((sum, entry) => sum + entry.count, 0);
  return {
    ...stats,
    active: records.filter(
      (record) => record.time <= time && record.time + record.durationMs > time,
    ).length,
    tunnels: {
      total,
      active: Math.min(total, 3),
      failed: share > 0.5 ? 1 : 0,
      bytesIn: total * 41_000,
      bytesOut: total * 260_000,
      byHost,
    },
    recent: done.slice(-RECENT_LIMIT).reverse(),
  };
}

async function main(
  out: string,
  dark: boolean,
  viewport: { width: number; height: number },
): Promise<void> {
  const records = traffic();
  const server = await createRendererServer();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({
      viewport,
      colorScheme: dark ? 'dark' : 'light',
      timezoneId: 'UTC',
      locale: 'en-US',
    });
    await page.addInitScript(installFakeBridge);
    await page.goto(server.url);
    // One state per 20 s of the quarter hour, as main would send them, so the charts fill up.
    for (let time = START; time <= END; time += STEP_MS) {
      const state: DashboardState = {
        status: { kind: 'running', host: '127.0.0.1', port: 8080 },
        statusLine: 'Running on 127.0.0.1:8080',
        stats: statsAt(records, time),
        configError: null,
        configPath: '/Users/dana/.memex.yml',
        settings: { startProxyOnLaunch: true, autostart: true, defaultShell: 'bash' },
        time,
      };
      await page.evaluate((pushed) => {
        (globalThis as unknown as FakeBridgePage).__memex.push(pushed);
      }, state);
    }
    await mkdir(dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    console.log(`wrote ${out} (${records.length} requests generated)`);
  } finally {
    await browser.close();
    await server.close();
  }
}

// `--size=960x720` (the window's default size) → { width: 960, height: 720 }.
function sizeOf(option: string): { width: number; height: number } {
  const [width = 1280, height = 860] = option.slice('--size='.length).split('x').map(Number);
  return { width, height };
}

if (process.argv[1] !== undefined && import.meta.url === new URL(process.argv[1], 'file://').href) {
  const args = process.argv.slice(2);
  await main(
    args.find((arg) => !arg.startsWith('--')) ?? `${ROOT}docs/dashboard.png`,
    args.includes('--dark'),
    sizeOf(args.find((arg) => arg.startsWith('--size=')) ?? '--size=1280x860'),
  );
}
