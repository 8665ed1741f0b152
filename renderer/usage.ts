// The "Tokens today" panel: today's totals with their cost when priced, tokens per minute over the
// last 15 minutes, and a row per model (requests, input, output, cache read and write, responses
// without usage, cost). Rows are a pool reused in place, like the other tables.

import type { DashboardState } from '../shared/bridge.js';
import {
  countedResponses,
  dayCostText,
  formatCost,
  formatTokens,
  promptTokens,
} from '../shared/usage-text.js';
import { costOf, type Pricing } from '../shared/pricing.js';
import type { DayTotals, UsageTally } from '../shared/usage.js';
import { createBarChart } from './chart.js';
import { byId, setHidden, setText } from './dom.js';
import { createRowPool, type PooledRow } from './row-pool.js';
import { formatCount } from './format.js';
import { WINDOW_MINUTES } from './minutes.js';
import type { TokenRate } from './token-rate.js';

// Column name → the cell's classes (`num` right-aligns).
const COLUMNS = {
  model: 'model',
  requests: 'num',
  input: 'num',
  output: 'num',
  cacheRead: 'num',
  cacheWrite: 'num',
  unknown: 'num',
  cost: 'num cost',
} as const;

type Row = PooledRow<typeof COLUMNS>;

export interface UsageView {
  render(state: DashboardState): void;
  /** Redraws the chart alone (the minute changed with no new state). */
  renderChart(): void;
}

export function createUsageView(rate: TokenRate): UsageView {
  const summary = byId('usage-summary', HTMLElement);
  const body = byId('usage-body', HTMLTableSectionElement);
  const rows = createRowPool(body, COLUMNS);
  const table = byId('usage-table', HTMLTableElement);
  const none = byId('usage-none', HTMLElement);
  const rateText = byId('usage-rate', HTMLElement);
  const chart = createBarChart(WINDOW_MINUTES);
  byId('usage-chart', HTMLElement).append(chart.element);

  const drawChart = (): void => {
    const series = rate.series();
    const now = series[series.length - 1] ?? 0;
    const peak = Math.max(0, ...series);
    setText(rateText, `${formatTokens(now)}/min now · peak ${formatTokens(peak)}`);
    chart.update(
      series,
      `Tokens per minute, last ${WINDOW_MINUTES} minutes, oldest first: ${series.join(', ')}`,
    );
  };

  return {
    render(state) {
      const today = state.usageToday;
      setText(summary, summaryOf(today, state.pricing));
      const priced = Object.keys(state.pricing).length > 0;
      table.classList.toggle('priced', priced);
      const models = Object.entries(today?.models ?? {}).sort(busiestFirst);
      models.forEach(([model, tally], index) => {
        fillRow(rows.at(index), model, tally, state.pricing);
      });
      rows.hideFrom(models.length);
      setHidden(table, models.length === 0);
      setHidden(none, models.length > 0);
      drawChart();
    },
    renderChart: drawChart,
  };
}

/** `1.2M tokens · 1.1M in / 98.4k out · cost 3.14`, or '' before any today. */
function summaryOf(today: DayTotals | null, pricing: Pricing): string {
  if (today === null) return '';
  let prompt = 0;
  let output = 0;
  for (const tally of Object.values(today.schemas) as (UsageTally | undefined)[]) {
    if (tally === undefined) continue;
    prompt += promptTokens(tally);
    output += tally.output;
  }
  return (
    `${formatTokens(prompt + output)} tokens · ${formatTokens(prompt)} in / ` +
    `${formatTokens(output)} out${dayCostText(today, pricing)}`
  );
}

function fillRow(row: Row, model: string, tally: UsageTally, pricing: Pricing): void {
  setHidden(row.tr, false);
  const name = model === '' ? '(no model named)' : model;
  setText(row.model, name);
  if (row.model.title !== name) row.model.title = name;
  setText(row.requests, formatCount(tally.requests));
  // A model with no counted response has no token numbers to show, not zeros.
  const counted = countedResponses(tally) > 0;
  fillTokens(row.input, counted, tally.input);
  fillTokens(row.output, counted, tally.output);
  fillTokens(row.cacheRead, counted, tally.cacheRead);
  fillTokens(row.cacheWrite, counted, tally.cacheWrite);
  const missing = tally.unknown + tally.unparsed;
  setText(row.unknown, formatCount(missing));
  const why = `${formatCount(tally.unknown)} without usage in the body, ${formatCount(tally.unparsed)} unreadable`;
  if (row.unknown.title !== why) row.unknown.title = why;
  const cost = counted ? costOf(pricing, model, tally) : undefined;
  setText(row.cost, cost === undefined ? '—' : formatCost(cost));
}

// Compact in the cell (`1.3M`), exact in its tooltip (`1,325,681`).
function fillTokens(cell: HTMLTableCellElement, counted: boolean, count: number): void {
  setText(cell, counted ? formatTokens(count) : '—');
  const exact = counted ? formatCount(count) : '';
  if (cell.title !== exact) cell.title = exact;
}

function busiestFirst(
  [modelA, a]: [string, UsageTally],
  [modelB, b]: [string, UsageTally],
): number {
  return (
    promptTokens(b) + b.output - (promptTokens(a) + a.output) ||
    b.requests - a.requests ||
    modelA.localeCompare(modelB)
  );
}
