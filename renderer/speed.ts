// The "Model speed" table: a row per model memex measured, with its time to first byte (p50,
// p95), output tokens per second (p50) and samples over the last hour, or today's when the last
// hour had none. Rows are a pool reused in place, like the other tables.

import type { DashboardState } from '../shared/bridge.js';
import type { LatencySummary, ModelLatency } from '../shared/snapshot.js';
import { byId, setHidden, setText } from './dom.js';
import { createRowPool, type PooledRow } from './row-pool.js';
import { formatCount, formatDuration, formatRate } from './format.js';

// Column name → the cell's classes (`num` right-aligns).
const COLUMNS = {
  model: 'model',
  ttfbP50: 'num',
  ttfbP95: 'num',
  rate: 'num',
  samples: 'num',
} as const;

type Row = PooledRow<typeof COLUMNS>;

/** A model's figures as shown: the last hour's, or today's when the last hour had none. */
interface Shown {
  readonly model: string;
  readonly summary: LatencySummary;
  readonly today: boolean;
}

export interface SpeedView {
  render(state: DashboardState): void;
}

export function createSpeedView(): SpeedView {
  const body = byId('speed-body', HTMLTableSectionElement);
  const rows = createRowPool(body, COLUMNS);
  const table = byId('speed-table', HTMLTableElement);
  const none = byId('speed-none', HTMLElement);

  return {
    render(state) {
      const models = Object.entries(state.stats?.latency ?? {})
        .map(shownOf)
        .sort(busiestFirst);
      models.forEach((shown, index) => {
        fillRow(rows.at(index), shown);
      });
      rows.hideFrom(models.length);
      setHidden(table, models.length === 0);
      setHidden(none, models.length > 0);
    },
  };
}

function shownOf([model, latency]: [string, ModelLatency]): Shown {
  const today = latency.lastHour.samples === 0;
  return { model, summary: today ? latency.today : latency.lastHour, today };
}

function fillRow(row: Row, { model, summary, today }: Shown): void {
  setHidden(row.tr, false);
  if (row.tr.classList.contains('today') !== today) row.tr.classList.toggle('today', today);
  const name = model === '' ? '(no model named)' : model;
  setText(row.model, name);
  if (row.model.title !== name) row.model.title = name;
  setText(row.ttfbP50, durationText(summary.ttfbMsP50));
  setText(row.ttfbP95, durationText(summary.ttfbMsP95));
  const rate = summary.outputTokensPerSecondP50;
  setText(row.rate, rate === null ? '—' : formatRate(rate));
  const samples = formatCount(summary.samples);
  setText(row.samples, today ? `${samples} today` : samples);
  const why = today ? 'None in the last hour: the figures are since midnight' : '';
  if (row.samples.title !== why) row.samples.title = why;
}

function durationText(ms: number | null): string {
  return ms === null ? '—' : formatDuration(ms);
}

function busiestFirst(a: Shown, b: Shown): number {
  return (
    Number(a.today) - Number(b.today) ||
    b.summary.samples - a.summary.samples ||
    a.model.localeCompare(b.model)
  );
}
