// One card per API schema with traffic (Anthropic and OpenAI always): requests, errors, bytes
// each way, today's tokens, and requests per minute over the last 15 minutes. Cards are built
// once per schema and updated in place.

import type { DashboardState } from '../shared/bridge.js';
import { ALWAYS_SHOWN, SCHEMAS, type SchemaId } from '../shared/schemas.js';
import type { SchemaTotals } from '../shared/snapshot.js';
import { tallyTokens } from '../shared/usage-text.js';
import { createBarChart, type BarChart } from './chart.js';
import { byId, element, setText } from './dom.js';
import { plural } from '../shared/text.js';
import { SCHEMA_LABELS, formatBytes, formatCount } from './format.js';
import { WINDOW_MINUTES } from './minutes.js';
import type { RateHistory } from './rate.js';

const EMPTY: SchemaTotals = { requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 };

interface Card {
  readonly root: HTMLElement;
  readonly requests: HTMLElement;
  readonly errors: HTMLElement;
  readonly bytes: HTMLElement;
  readonly tokens: HTMLElement;
  readonly rate: HTMLElement;
  readonly chart: BarChart;
}

export interface Cards {
  render(state: DashboardState): void;
  /** Redraws the charts alone (the minute changed with no new stats). */
  renderCharts(): void;
}

export function createCards(rates: RateHistory): Cards {
  const container = byId('cards', HTMLElement);
  const cards = new Map<SchemaId, Card>();

  // Cards appear in SCHEMAS order, whichever schema sees traffic first.
  const cardFor = (schema: SchemaId): Card => {
    const existing = cards.get(schema);
    if (existing !== undefined) return existing;
    const card = buildCard(schema);
    cards.set(schema, card);
    const after = SCHEMAS.slice(SCHEMAS.indexOf(schema) + 1)
      .map((id) => cards.get(id)?.root)
      .find((root) => root !== undefined);
    container.insertBefore(card.root, after ?? null);
    return card;
  };

  const drawChart = (schema: SchemaId, card: Card): void => {
    const series = rates.series(schema);
    const now = series[series.length - 1] ?? 0;
    const peak = Math.max(0, ...series);
    setText(card.rate, `${formatCount(now)}/min now · peak ${formatCount(peak)}`);
    card.chart.update(
      series,
      `${SCHEMA_LABELS[schema]} requests per minute, last ${WINDOW_MINUTES} minutes, oldest first: ${series.join(', ')}`,
    );
  };

  return {
    render(state) {
      for (const schema of SCHEMAS) {
        const totals = state.stats?.schemas[schema] ?? EMPTY;
        const tokens = tallyTokens(state.usageToday?.schemas[schema]);
        const idle = totals.requests === 0 && tokens === null;
        if (idle && !ALWAYS_SHOWN.includes(schema) && !cards.has(schema)) continue;
        const card = cardFor(schema);
        setText(card.requests, formatCount(totals.requests));
        setText(card.errors, plural(totals.errors, 'error', formatCount));
        card.errors.classList.toggle('has-errors', totals.errors > 0);
        setText(
          card.bytes,
          `${formatBytes(totals.bytesIn)} in · ${formatBytes(totals.bytesOut)} out`,
        );
        setText(
          card.tokens,
          tokens === null
            ? 'No tokens today'
            : tokens.kind === 'unknown'
              ? 'Tokens unknown today'
              : `${tokens.text} today`,
        );
        drawChart(schema, card);
      }
    },
    renderCharts() {
      for (const [schema, card] of cards) drawChart(schema, card);
    },
  };
}

function buildCard(schema: SchemaId): Card {
  const root = element('article', `card schema-${schema}`);
  root.dataset.schema = schema;
  const title = element('h2', 'card-title', SCHEMA_LABELS[schema]);
  title.title = SCHEMA_LABELS[schema];
  const requests = element('p', 'card-count');
  const unit = element('p', 'card-unit', 'requests · ');
  const errors = unit.appendChild(element('span', 'card-errors'));
  const bytes = element('p', 'card-bytes');
  const tokens = element('p', 'card-tokens');
  tokens.title = 'Tokens since midnight: the prompt (cache reads and writes included) and output';
  const chart = createBarChart(WINDOW_MINUTES);
  const rate = element('p', 'card-rate');
  root.append(title, requests, unit, bytes, tokens, chart.element, rate);
  return { root, requests, errors, bytes, tokens, rate, chart };
}
