// The History view's sums for its range and filters: a line of totals (requests, errors, tokens,
// cost when priced), the chart per day, and a table per model.

import type { HistoryTotals, TotalsEntry } from '../shared/history.js';
import { plural } from '../shared/text.js';
import { formatCost, formatTokens } from '../shared/usage-text.js';
import { byId, element, setHidden, setText } from './dom.js';
import { drawDayChart, toDayBars, type ChartMetric } from './history-chart.js';
import { formatCount } from './format.js';

/** The range's sums: `1,234 requests · 12 errors · 5.6M tokens · cost 3.14` (cost when priced). */
export function describeTotals(entries: readonly TotalsEntry[]): string {
  let requests = 0;
  let errors = 0;
  let tokens = 0;
  let cost: number | null = null;
  for (const entry of entries) {
    requests += entry.requests;
    errors += entry.errors;
    tokens += entry.tokens;
    if (entry.cost !== null) cost = (cost ?? 0) + entry.cost;
  }
  const parts = [
    plural(requests, 'request', formatCount),
    plural(errors, 'error', formatCount),
    `${formatTokens(tokens)} tokens`,
  ];
  if (cost !== null) parts.push(`cost ${formatCost(cost)}`);
  return parts.join(' · ');
}

/** The requests the sums count: what "Load more" can reach. */
export function countRequests(totals: HistoryTotals): number {
  return totals.days.reduce((sum, entry) => sum + entry.requests, 0);
}

export interface HistoryTotalsView {
  /** Shows `totals` over `days` (the range's days, oldest first). */
  show(totals: HistoryTotals, days: readonly string[]): void;
}

export function createHistoryTotals(): HistoryTotalsView {
  const summary = byId('history-totals', HTMLElement);
  const chartBox = byId('history-chart-box', HTMLElement);
  const svg = byId('history-chart', HTMLElement).appendChild(
    document.createElementNS('http://www.w3.org/2000/svg', 'svg'),
  );
  svg.classList.add('chart');
  const first = byId('history-chart-first', HTMLElement);
  const last = byId('history-chart-last', HTMLElement);
  const metricSelect = byId('history-metric', HTMLSelectElement);
  const models = byId('history-models', HTMLTableElement);
  const modelRows = byId('history-models-body', HTMLTableSectionElement);
  let shown: { totals: HistoryTotals; days: readonly string[] } | null = null;

  const drawChart = (): void => {
    if (shown === null) return;
    const metric: ChartMetric = metricSelect.value === 'requests' ? 'requests' : 'tokens';
    const { totals, days } = shown;
    setHidden(chartBox, days.length === 0);
    const from = days[0] ?? '';
    const to = days[days.length - 1] ?? '';
    setText(first, from);
    setText(last, to === from ? '' : to);
    const what = metric === 'tokens' ? 'Tokens' : 'Requests';
    drawDayChart(svg, toDayBars(days, totals.days, metric), `${what} per day, ${from} to ${to}`);
  };
  metricSelect.addEventListener('change', drawChart);

  return {
    show(totals, days) {
      shown = { totals, days };
      setText(summary, describeTotals(totals.days));
      drawChart();
      setHidden(models, totals.models.length === 0);
      models.classList.toggle(
        'priced',
        totals.models.some((entry) => entry.cost !== null),
      );
      modelRows.replaceChildren(...totals.models.map(modelRow));
    },
  };
}

function modelRow(entry: TotalsEntry): HTMLTableRowElement {
  const tr = element('tr');
  const cells: readonly (readonly [string, string])[] = [
    ['model', entry.key === '' ? 'none named, or not read' : entry.key],
    ['num', formatCount(entry.requests)],
    ['num', formatCount(entry.errors)],
    ['num', formatTokens(entry.input)],
    ['num', formatTokens(entry.output)],
    ['num', formatTokens(entry.cacheRead)],
    ['num', formatTokens(entry.cacheWrite)],
    ['num cost', entry.cost === null ? '—' : formatCost(entry.cost)],
  ];
  for (const [className, text] of cells) tr.append(element('td', className, text));
  return tr;
}
