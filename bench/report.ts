// The bench's summary: per-round samples → medians and paired differences against direct in the
// same round, printed as a table (rows = metrics, columns = targets).

import { median, toCell } from './numbers.js';

export const TARGETS = ['direct', 'memex', 'bare'] as const;
export type TargetName = (typeof TARGETS)[number];

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
  largeMBps: { label: 'large body: MB/s', kind: 'rate' },
  streamsHeld: { label: 'concurrent SSE streams held', kind: 'count' },
  streamsDropped: { label: 'concurrent SSE streams dropped', kind: 'count' },
  spawnMs: { label: 'spawn to listening ms', kind: 'process' },
  idleRssMiB: { label: 'idle RSS MiB (VmRSS)', kind: 'process' },
  peakRequestsMiB: { label: 'peak RSS MiB, request workloads', kind: 'process' },
  peakLargeMiB: { label: 'peak RSS MiB, large body', kind: 'process' },
  peakStreamsMiB: { label: 'peak RSS MiB, streams', kind: 'process' },
};

/** samples[target][metric] = one value per round (NaN when a round had none). */
export type Samples = Record<TargetName, Record<string, number[]>>;

export function emptySamples(): Samples {
  return { direct: {}, memex: {}, bare: {} };
}

export function addSample(
  samples: Samples,
  target: TargetName,
  metric: string,
  value: number,
): void {
  (samples[target][metric] ??= []).push(value);
}

/** Per-round paired values against direct: difference for latencies, ratio for rates. */
function paired(samples: Samples, target: TargetName, metric: string, kind: Kind): number {
  const mine = samples[target][metric] ?? [];
  const base = samples.direct[metric] ?? [];
  const pairs: number[] = [];
  for (let i = 0; i < Math.min(mine.length, base.length); i++) {
    const a = mine[i] ?? NaN;
    const b = base[i] ?? NaN;
    pairs.push(kind === 'rate' ? a / b : a - b);
  }
  return median(pairs.filter(Number.isFinite));
}

export interface SummaryRow {
  readonly metric: string;
  readonly label: string;
  readonly median: Record<TargetName, number>;
  /** memex and bare against direct (difference or ratio), median over rounds. */
  readonly vsDirect: { memex: number; bare: number } | null;
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
          }
        : null;
    return {
      metric,
      label: info.label,
      median: { direct: med('direct'), memex: med('memex'), bare: med('bare') },
      vsDirect,
    };
  });
}

function pairedCell(row: SummaryRow, target: 'memex' | 'bare'): string {
  if (row.vsDirect === null) return '';
  const value = row.vsDirect[target];
  if (!Number.isFinite(value)) return '—';
  if (METRICS[row.metric]?.kind === 'rate') return `×${value.toFixed(2)}`;
  return `${value >= 0 ? '+' : ''}${toCell(value)}`;
}

/** A Markdown table: medians per target, then memex and bare paired against direct. */
export function toTable(rows: readonly SummaryRow[]): string {
  const header = ['metric (median of rounds)', 'direct', 'memex', 'bare http-proxy-3'];
  const lines = [
    [...header, 'memex vs direct', 'bare vs direct'],
    ...rows.map((row) => [
      row.label,
      toCell(row.median.direct),
      toCell(row.median.memex),
      toCell(row.median.bare),
      pairedCell(row, 'memex'),
      pairedCell(row, 'bare'),
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
