// Renders the dashboard with a realistic quarter hour of traffic (a few hundred requests across
// schemas, some failures, HTTPS tunnels), a Claude and a Codex account's limits over the day and
// each model's speed in headless Chromium and saves docs/dashboard.png.
// `npm run screenshot`; `node dist/build/screenshot.js [out.png] [--dark] [--size=960x720]` for
// another file, the dark appearance or another window size. The traffic is generated from a fixed seed, so the picture is repeatable.

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DashboardState } from '../shared/bridge.js';
import type { SchemaId } from '../proxy-core/http/schema.js';
import {
  RECENT_LIMIT,
  type ErrorHour,
  type ModelLatency,
  type RequestRecord,
  type StatsSnapshot,
} from '../shared/snapshot.js';
import type { UsageOutcome } from '../proxy-core/usage/outcome.js';
import type { Pricing } from '../shared/pricing.js';
import { dayKey, UsageTotals, type DayTotals } from '../proxy-core/usage/totals.js';
import {
  createRendererServer,
  countRecord,
  emptyStats,
  installFakeBridge,
  launchChromium,
  sampleAccount,
  whoOf,
  withSampleCaller,
  type FakeBridgePage,
  type SampleAccount,
} from './preview.js';
import { fakeHistoryOf } from './history-sample.js';

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
  /** Models a response names, drawn at random. */
  readonly models: readonly string[];
}

// Prices per million tokens as a user would write them in memex.yml (memex ships none).
const PRICING: Pricing = {
  'claude-sonnet-4*': {
    input_per_mtok: 3,
    output_per_mtok: 15,
    cache_read_per_mtok: 0.3,
    cache_write_per_mtok: 3.75,
  },
  'claude-haiku-4*': {
    input_per_mtok: 1,
    output_per_mtok: 5,
    cache_read_per_mtok: 0.1,
    cache_write_per_mtok: 1.25,
  },
  'gpt-4.1*': { input_per_mtok: 2, output_per_mtok: 8, cache_read_per_mtok: 0.5 },
  'gpt-5*': { input_per_mtok: 1.25, output_per_mtok: 10, cache_read_per_mtok: 0.125 },
  'gemini-2.5-flash*': { input_per_mtok: 0.3, output_per_mtok: 2.5, cache_read_per_mtok: 0.075 },
};

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
    models: [
      'claude-sonnet-4-5-20250929',
      'claude-sonnet-4-5-20250929',
      'claude-haiku-4-5-20251001',
    ],
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
    models: ['gpt-4.1-2025-04-14'],
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
    models: ['gpt-5-2025-08-07'],
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
    models: ['gemini-2.5-flash'],
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
      const path = kind.paths[Math.floor(next() * kind.paths.length)] ?? kind.paths[0] ?? '/';
      const model = kind.models[Math.floor(next() * kind.models.length)] ?? '';
      const usage = status === 200 ? usageOf(kind.schema, path, model, next) : undefined;
      const durationMs = status === 200 ? between(kind.durationMs) : between([40, 900]);
      records.push({
        time,
        method: kind.method,
        host: kind.host,
        path,
        schema: kind.schema,
        status,
        complete: failure > 0.995 ? false : true,
        durationMs,
        ttfbMs: ttfbOf(status, durationMs, time),
        bytesIn: between(kind.bytesIn),
        bytesOut: status === 200 ? between(kind.bytesOut) : 310,
        ...(usage === undefined ? {} : { usage }),
      });
    }
  }
  // A failure or two among the newest, as the table shows them.
  const last = records.length - 1;
  for (const [back, change] of [
    [2, { status: 529, durationMs: 412, ttfbMs: 412, bytesOut: 310 }],
    [9, { complete: false }],
  ] as const) {
    const record = records[last - back];
    if (record !== undefined) records[last - back] = { ...record, ...change };
  }
  return records.map(withSampleCaller);
}

/**
 * A streamed answer's first byte comes early, some hundreds of ms in, varied by the second it
 * started (drawing it at random would change the rest of the traffic); an error's is all of it.
 */
function ttfbOf(status: number, durationMs: number, time: number): number {
  if (status !== 200) return durationMs;
  return Math.min(durationMs, Math.round(240 + durationMs * 0.05 + ((time / 1000) % 11) * 37));
}

/**
 * What a response would say about tokens: an agent's long, mostly cached prompts; no usage for
 * count_tokens; embeddings without usage in the body, as far as memex can read it.
 */
function usageOf(
  schema: SchemaId,
  path: string,
  model: string,
  next: () => number,
): UsageOutcome | undefined {
  if (path.endsWith('/count_tokens')) return undefined;
  if (path.endsWith('/embeddings')) return { kind: 'unknown', model: 'text-embedding-3-small' };
  const prompt = Math.round(8_000 + 110_000 * next() ** 1.5);
  const cacheRead = schema === 'gemini' ? 0 : Math.round(prompt * (0.7 + 0.28 * next()));
  const cacheWrite = schema === 'anthropic' ? Math.round((prompt - cacheRead) * next() * 0.8) : 0;
  const tokens = {
    input: prompt - cacheRead - cacheWrite,
    output: Math.round(80 + 3_000 * next() ** 2),
    cacheRead,
    cacheWrite,
  };
  return { kind: 'counted', model, tokens };
}

/** Today's token totals at `time`: a morning's worth from before the window, plus `done`. */
function usageAt(done: readonly RequestRecord[], time: number): DayTotals | null {
  const totals = new UsageTotals();
  const day = dayKey(new Date(time));
  const morning: readonly (readonly [SchemaId, string, number, number])[] = [
    ['anthropic', 'claude-sonnet-4-5-20250929', 9_400_000, 61_000],
    ['anthropic', 'claude-haiku-4-5-20251001', 2_100_000, 14_000],
    ['openai', 'gpt-4.1-2025-04-14', 1_300_000, 22_000],
    ['openai-responses', 'gpt-5-2025-08-07', 700_000, 18_000],
  ];
  for (const [schema, model, prompt, output] of morning) {
    const cacheRead = Math.round(prompt * 0.85);
    const cacheWrite = Math.round(prompt * 0.05);
    const tokens = { input: prompt - cacheRead - cacheWrite, output, cacheRead, cacheWrite };
    totals.add(schema, { kind: 'counted', model, tokens }, day);
  }
  for (const record of done) {
    if (record.usage !== undefined) totals.add(record.schema, record.usage, day);
  }
  return totals.snapshot().days[day] ?? null;
}

const HOUR = 60 * MINUTE;
/** 2025-06-12 at `hours` UTC (the picture's time zone); negative hours fall on the day before. */
const at = (hours: number): number => Date.UTC(2025, 5, 12) + hours * HOUR;

// At END: Claude's 5h at 42 % and its 7d at 18 %; Codex at 12 % of 300 minutes, 94 % of a week.
const SAMPLE_ACCOUNTS: readonly SampleAccount[] = [
  {
    provider: 'anthropic-subscription',
    host: 'api.anthropic.com',
    fingerprint: 'a3f9c2',
    binding: '5h',
    plan: null,
    busy: [
      [at(-5), at(-2)],
      [at(8), at(12.5)],
      [at(13.5), END],
    ],
    windows: [
      ['5h', 300, END + 133.5 * MINUTE, 0, 0.42 / 107],
      ['7d', 10_080, at(81), 0.1, 0.08 / 512],
    ],
  },
  {
    provider: 'codex',
    host: 'chatgpt.com',
    fingerprint: '5be01d',
    binding: null,
    plan: 'pro',
    busy: [
      [at(9), at(11)],
      [at(14), END],
    ],
    windows: [
      ['primary', 300, at(18.5), 0, 0.12 / 32],
      ['secondary', 10_080, at(30), 0.8, 0.14 / 152],
    ],
  },
];

// Failures earlier in the day: [hour (UTC), schema, model, 429s, 529s, other 5xx].
const EARLIER_ERRORS: readonly (readonly [number, SchemaId, string, number, number, number])[] = [
  [-3, 'anthropic', 'claude-sonnet-4-5-20250929', 0, 2, 0],
  [9, 'anthropic', 'claude-sonnet-4-5-20250929', 3, 0, 0],
  [10, 'openai', 'gpt-4.1-2025-04-14', 0, 0, 1],
  [11, 'anthropic', 'claude-sonnet-4-5-20250929', 1, 1, 0],
];

/** Failures per hour: the earlier ones, and the 5xx of the quarter hour's own traffic. */
function errorsAt(done: readonly RequestRecord[], time: number): ErrorHour[] {
  const rows = EARLIER_ERRORS.map(
    ([hours, schema, model, rateLimited, overloaded, serverErrors]): ErrorHour => ({
      hour: at(hours),
      schema,
      model,
      rateLimited,
      overloaded,
      serverErrors,
    }),
  );
  const hour = Math.floor(time / HOUR) * HOUR;
  const bySchema = new Map<SchemaId, ErrorHour>();
  for (const { status, time: sent, schema } of done) {
    if (status < 500 || sent < hour) continue;
    const row = bySchema.get(schema) ?? {
      hour,
      schema,
      model: '',
      rateLimited: 0,
      overloaded: 0,
      serverErrors: 0,
    };
    bySchema.set(schema, {
      ...row,
      overloaded: row.overloaded + (status === 529 ? 1 : 0),
      serverErrors: row.serverErrors + (status === 529 ? 0 : 1),
    });
  }
  return [...rows, ...bySchema.values()];
}

/** Per model: [TTFB p50, p95 (ms), tokens/s p50 or null, responses earlier today]. */
const SPEEDS: Readonly<Record<string, readonly [number, number, number | null, number]>> = {
  'claude-sonnet-4-5-20250929': [1140, 2870, 61.8, 640],
  'claude-haiku-4-5-20251001': [480, 1210, 148.2, 210],
  'gpt-4.1-2025-04-14': [620, 1790, 88.4, 190],
  'gpt-5-2025-08-07': [2410, 7820, 54.1, 80],
  'gemini-2.5-flash': [410, 950, 212.7, 40],
  'text-embedding-3-small': [180, 420, null, 60],
};

/** Model speed at `time`: the last hour counts the quarter hour's responses; Opus ran this morning. */
function latencyAt(done: readonly RequestRecord[]): Record<string, ModelLatency> {
  const latency: Record<string, ModelLatency> = {};
  for (const [model, [p50, p95, rate, earlier]] of Object.entries(SPEEDS)) {
    const recent = done.filter((record) => (record.usage?.model ?? '') === model).length;
    const summary = (samples: number) => ({
      samples,
      ttfbMsP50: p50,
      ttfbMsP95: p95,
      firstContentMsP50: Math.round(p50 * 1.2),
      firstContentMsP95: Math.round(p95 * 1.2),
      outputTokensPerSecondP50: rate,
    });
    latency[model] = { lastHour: summary(recent + 12), today: summary(recent + earlier) };
  }
  latency['claude-opus-4-1-20250805'] = {
    lastHour: {
      samples: 0,
      ttfbMsP50: null,
      ttfbMsP95: null,
      firstContentMsP50: null,
      firstContentMsP95: null,
      outputTokensPerSecondP50: null,
    },
    today: {
      samples: 14,
      ttfbMsP50: 1980,
      ttfbMsP95: 4650,
      firstContentMsP50: 2310,
      firstContentMsP95: 5120,
      outputTokensPerSecondP50: 38.6,
    },
  };
  return latency;
}

/** What the worker would report at `time`, having seen `records` (oldest first). */
function statsAt(records: readonly RequestRecord[], time: number): StatsSnapshot {
  const stats = emptyStats(time - START + 4 * MINUTE);
  const done = records.filter((record) => record.time + record.durationMs <= time);
  for (const record of done) countRecord(stats, record);
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
    ...whoOf(done, time, PRICING),
    latency: latencyAt(done),
    limits: {
      accounts: SAMPLE_ACCOUNTS.map((sample) => sampleAccount(sample, time)),
      errors: errorsAt(done, time),
    },
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
    // The quarter hour as history keeps it.
    const history = fakeHistoryOf(
      records.filter((record) => record.time + record.durationMs <= END),
      PRICING,
    );
    await page.evaluate((sample) => {
      (globalThis as unknown as FakeBridgePage).__memex.setHistory(sample);
    }, history);
    // One state per 20 s of the quarter hour, as main would send them, so the charts fill up.
    for (let time = START; time <= END; time += STEP_MS) {
      const state: DashboardState = {
        status: { kind: 'running', host: '127.0.0.1', port: 8080 },
        statusLine: 'Running on 127.0.0.1:8080',
        stats: statsAt(records, time),
        configError: null,
        configPath: '/Users/dana/.memex.yml',
        usageToday: usageAt(
          records.filter((record) => record.time + record.durationMs <= time),
          time,
        ),
        pricing: PRICING,
        settings: {
          startProxyOnLaunch: true,
          limitNotifications: true,
          autostart: true,
          defaultShell: 'bash',
          historyRetentionDays: 90,
          historyMaxMb: 500,
          inspector: false,
        },
        history: {
          file: '/Users/dana/Library/Application Support/memex/history.db',
          problem: null,
        },
        time,
      };
      await page.evaluate((pushed) => {
        (globalThis as unknown as FakeBridgePage).__memex.push(pushed);
      }, state);
    }
    // Opened last, so it shows the whole quarter hour (below the fold in the default size); the
    // click scrolls down to it, so the page goes back up, with the pointer off every row.
    await page.locator('#history summary').click();
    await page.locator('#history-rows tr').first().waitFor({ state: 'attached' });
    await page.evaluate(() => {
      (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0);
    });
    await page.mouse.move(0, 0);
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
  const [width = 1280, height = 1100] = option.slice('--size='.length).split('x').map(Number);
  return { width, height };
}

if (process.argv[1] !== undefined && import.meta.url === new URL(process.argv[1], 'file://').href) {
  const args = process.argv.slice(2);
  await main(
    args.find((arg) => !arg.startsWith('--')) ?? `${ROOT}docs/dashboard.png`,
    args.includes('--dark'),
    sizeOf(args.find((arg) => arg.startsWith('--size=')) ?? '--size=1280x1100'),
  );
}
