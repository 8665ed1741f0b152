// The bench's summary: per-round samples → medians and paired differences against direct in the
// same round, and memex against the Node floor in the same round, printed as a table (rows =
// metrics, columns = targets); memex with limit headers against memex without, as lines.

import { median, toCell } from './numbers.js';

export const TARGETS = ['direct', 'memex', 'bare', 'floor'] as const;
export type TargetName = (typeof TARGETS)[number];
/** The targets that are proxies (spawned per round, with memory and spawn time read). */
export const PROXIES = ['memex', 'bare', 'floor'] as const;
export type ProxyName = (typeof PROXIES)[number];
/**
 * memex variants measured beside memex, not tabled: with limit headers on every response (issue
 * 15), with process lookups off (issue 16), and keeping history in SQLite (issue 17).
 */
export type SampleName =
  TargetName | 'memexLimits' | 'memexNoWho' | 'memexHistory' | 'memexMetrics';

/** latency: lower is better, paired as a difference; rate: higher is better, paired as a ratio. */
type Kind = 'latency' | 'rate' | 'count' | 'process';

export interface MetricInfo {
  readonly label: string;
  readonly kind: Kind;
}

export const METRICS: Readonly<Record<string, MetricInfo>> = {
  smallP50Us: { label: 'small POST, 1 keep-alive conn: p50 µs', kind: 'latency' },
  smallP99Us: { label: 'small POST, 1 keep-alive conn: p99 µs', kind: 'latency' },
  requestsPerSecond: { label: 'N connections: requests/s', kind: 'rate' },
  sseDelayP50Us: { label: 'SSE delay per event: p50 µs', kind: 'latency' },
  sseDelayP99Us: { label: 'SSE delay per event: p99 µs', kind: 'latency' },
  firstEventUs: { label: 'SSE time to first event µs', kind: 'latency' },
  wsDelayP50Us: { label: 'WebSocket delay per message: p50 µs', kind: 'latency' },
  wsDelayP99Us: { label: 'WebSocket delay per message: p99 µs', kind: 'latency' },
  largeMBps: { label: 'large body: MB/s', kind: 'rate' },
  streamsHeld: { label: 'concurrent SSE streams held', kind: 'count' },
  streamsDropped: { label: 'concurrent SSE streams dropped', kind: 'count' },
  wsOpened: { label: 'idle WebSockets opened', kind: 'count' },
  wsDropped: { label: 'idle WebSockets dropped', kind: 'count' },
  spawnMs: { label: 'spawn to listening ms', kind: 'process' },
  idleRssMiB: { label: 'idle RSS MiB (VmRSS)', kind: 'process' },
  peakRequestsMiB: { label: 'peak RSS MiB, request workloads', kind: 'process' },
  peakLargeMiB: { label: 'peak RSS MiB, large body', kind: 'process' },
  peakStreamsMiB: { label: 'peak RSS MiB, streams', kind: 'process' },
  peakWebSocketsMiB: { label: 'peak RSS MiB, idle WebSockets', kind: 'process' },
};

/** samples[target][metric] = one value per round (NaN when a round had none). */
export type Samples = Record<SampleName, Record<string, number[]>>;

export function emptySamples(): Samples {
  return {
    direct: {},
    memex: {},
    bare: {},
    floor: {},
    memexLimits: {},
    memexNoWho: {},
    memexHistory: {},
    memexMetrics: {},
  };
}

export function addSample(
  samples: Samples,
  target: SampleName,
  metric: string,
  value: number,
): void {
  (samples[target][metric] ??= []).push(value);
}

/** Per-round pairs against `against`: ratio for rates, difference for everything else. */
function pairs(
  samples: Samples,
  target: SampleName,
  metric: string,
  kind: Kind,
  against: SampleName,
): number[] {
  const mine = samples[target][metric] ?? [];
  const base = samples[against][metric] ?? [];
  const out: number[] = [];
  for (let i = 0; i < Math.min(mine.length, base.length); i++) {
    const a = mine[i] ?? NaN;
    const b = base[i] ?? NaN;
    out.push(kind === 'rate' ? a / b : a - b);
  }
  return out;
}

/** The median of the per-round pairs against `against`. */
function paired(
  samples: Samples,
  target: SampleName,
  metric: string,
  kind: Kind,
  against: SampleName = 'direct',
): number {
  return median(pairs(samples, target, metric, kind, against).filter(Number.isFinite));
}

export interface SummaryRow {
  readonly metric: string;
  readonly label: string;
  readonly median: Record<TargetName, number>;
  /** Each proxy against direct (difference or ratio), median over rounds. */
  readonly vsDirect: Record<ProxyName, number> | null;
  /**
   * memex against the floor in the same round, median over rounds: for latencies memex's added
   * latency minus the floor's (direct cancels: memex − floor), with `percent` of the floor's added
   * latency (its vsDirect); for rates memex / floor; for process figures memex − floor.
   */
  readonly vsFloor: { readonly value: number; readonly percent: number } | null;
}

export function summarize(samples: Samples): SummaryRow[] {
  return Object.entries(METRICS).map(([metric, info]) => {
    const med = (target: TargetName): number =>
      median((samples[target][metric] ?? []).filter(Number.isFinite));
    const vsDirect =
      info.kind === 'latency' || info.kind === 'rate'
        ? {
            memex: paired(samples, 'memex', metric, info.kind),
            bare: paired(samples, 'bare', metric, info.kind),
            floor: paired(samples, 'floor', metric, info.kind),
          }
        : null;
    const value = paired(samples, 'memex', metric, info.kind, 'floor');
    const floorAdded = vsDirect?.floor ?? NaN;
    const vsFloor =
      info.kind === 'count'
        ? null
        : {
            value,
            percent: info.kind === 'latency' && floorAdded > 0 ? (100 * value) / floorAdded : NaN,
          };
    return {
      metric,
      label: info.label,
      median: {
        direct: med('direct'),
        memex: med('memex'),
        bare: med('bare'),
        floor: med('floor'),
      },
      vsDirect,
      vsFloor,
    };
  });
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${toCell(value)}`;
}

function pairedCell(row: SummaryRow, target: ProxyName): string {
  if (row.vsDirect === null) return '';
  const value = row.vsDirect[target];
  if (!Number.isFinite(value)) return '—';
  if (METRICS[row.metric]?.kind === 'rate') return `×${value.toFixed(2)}`;
  return signed(value);
}

function floorCell(row: SummaryRow): string {
  if (row.vsFloor === null) return '';
  const { value, percent } = row.vsFloor;
  if (!Number.isFinite(value)) return '—';
  if (METRICS[row.metric]?.kind === 'rate') return `×${value.toFixed(2)}`;
  return Number.isFinite(percent) ? `${signed(value)} (${signed(percent)}%)` : signed(value);
}

/** What the memex − floor column holds, printed under the table. */
export const FLOOR_NOTE =
  "memex − floor: memex's added latency minus the node:http floor's, paired per round " +
  "(= memex − floor), median of rounds, and in parentheses as % of the floor's added latency " +
  '(floor vs direct); for rates memex / floor; for process figures memex − floor.';

/** Why bare's WebSocket cells are empty, printed under the table. */
export const BARE_NOTE =
  'bare http-proxy-3 is — on the WebSocket rows: bare.ts relays with proxy.web() alone, ' +
  'without the proxy.ws() an upgrade needs.';

/** A Markdown table: medians per target, each proxy paired against direct, memex against the floor. */
export function toTable(rows: readonly SummaryRow[]): string {
  const header = ['metric (median of rounds)', 'direct', 'memex', 'bare http-proxy-3'];
  const lines = [
    [
      ...header,
      'node:http floor',
      'memex vs direct',
      'bare vs direct',
      'floor vs direct',
      'memex − floor',
    ],
    ...rows.map((row) => [
      row.label,
      toCell(row.median.direct),
      toCell(row.median.memex),
      toCell(row.median.bare),
      toCell(row.median.floor),
      pairedCell(row, 'memex'),
      pairedCell(row, 'bare'),
      pairedCell(row, 'floor'),
      floorCell(row),
    ]),
  ];
  const widths = lines[0]?.map((_cell, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths?.[i] ?? 0)).join(' | ')} |`;
  const [first, ...rest] = lines;
  return [
    format(first ?? []),
    format((widths ?? []).map((w) => '-'.repeat(w))),
    ...rest.map(format),
  ].join('\n');
}

/** The metrics a memex variant is measured on beside memex, and their short labels. */
const PAIR_LABELS: Readonly<Record<string, string>> = {
  smallP50Us: 'small POST p50',
  smallP99Us: 'small POST p99',
  sseDelayP50Us: 'SSE delay p50',
  firstEventUs: 'SSE first event',
};

export interface PairRow {
  readonly metric: string;
  readonly label: string;
  /** Medians of rounds: the feature off, and on. */
  readonly off: number;
  readonly on: number;
  /** on − off per round, and their median. */
  readonly rounds: readonly number[];
  readonly difference: number;
}

/** A feature on against off, paired per round; [] if never measured. */
function summarizePair(samples: Samples, on: SampleName, off: SampleName): PairRow[] {
  if (Object.keys(samples[on]).length === 0 || Object.keys(samples[off]).length === 0) return [];
  return Object.entries(PAIR_LABELS).map(([metric, label]) => {
    const rounds = pairs(samples, on, metric, 'latency', off);
    return {
      metric,
      label,
      off: median((samples[off][metric] ?? []).filter(Number.isFinite)),
      on: median((samples[on][metric] ?? []).filter(Number.isFinite)),
      rounds,
      difference: median(rounds.filter(Number.isFinite)),
    };
  });
}

/** memex with limit headers against memex without. */
export function summarizeLimits(samples: Samples): PairRow[] {
  return summarizePair(samples, 'memexLimits', 'memex');
}

/** memex (process lookups on) against memex with them off. */
export function summarizeAttribution(samples: Samples): PairRow[] {
  return summarizePair(samples, 'memex', 'memexNoWho');
}

/** memex keeping history (--history FILE) against memex without. */
export function summarizeHistory(samples: Samples): PairRow[] {
  return summarizePair(samples, 'memexHistory', 'memex');
}

/** memex scraped and pushing OTLP every second against memex without. */
export function summarizeMetrics(samples: Samples): PairRow[] {
  return summarizePair(samples, 'memexMetrics', 'memex');
}

/** One line per metric: `<feature> on: small POST p50 +X µs vs off (…)`. */
export function toPairLines(feature: string, rows: readonly PairRow[]): string {
  return rows
    .map(
      (row) =>
        `${feature} on: ${row.label} ${signed(row.difference)} µs vs off ` +
        `(on ${toCell(row.on)}, off ${toCell(row.off)} µs; per round ` +
        `${row.rounds.map(signed).join(' ')})`,
    )
    .join('\n');
}

/** What the limit lines measure, printed above them. */
export const LIMITS_NOTE =
  'Limit headers (issue 15): a second memex per round, its route to upstream paths under ' +
  "/limits/, which carry the fixtures' Anthropic subscription and API-key rate-limit headers " +
  '(23 of them) on every response head; run beside memex (adjacent, order alternating by round), ' +
  'paired per round (on − off), median of rounds.';

/** What the attribution lines measure, printed above them. */
export const ATTRIBUTION_NOTE =
  'Process lookups (issue 16): a third memex per round with attribution.processes: false; memex ' +
  '(lookups on, as users run it: every load-client connection is looked up in /proc) run beside ' +
  'it, adjacent, order alternating by round, paired per round (on − off), median of rounds.';

/** What the history lines measure, printed above them. */
export const HISTORY_NOTE =
  'History (issue 17): a fourth memex per round with --history FILE (every exchange batched to ' +
  'a SQLite writer thread); run beside memex, adjacent, paired per round (on − off), median of rounds.';

/** What the metrics lines measure, printed above them. */
export const METRICS_NOTE =
  'Metrics (issue 18): a fifth memex per round with otlp.endpoint (the OpenTelemetry SDK loaded, ' +
  'every exchange batched into it, a push every 1 s to the bench upstream) and GET ' +
  '/_memex/metrics scraped every 1 s; run beside memex, adjacent, paired per round (on − off), ' +
  'median of rounds.';
