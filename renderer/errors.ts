// The errors strip: 429s (rate limited), 529s (overloaded) and other 5xx per hour over the last
// 24 hours, summed over schemas and models, as stacked bars and a line of totals. The chart is
// built once; an update only moves bars and rewrites text that changed.

import type { DashboardState } from '../shared/bridge.js';
import type { ErrorHour } from '../shared/snapshot.js';
import { plural } from '../shared/text.js';
import { byId, setAttribute, setHidden, setText } from './dom.js';
import { formatCount, formatShortClock } from './format.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
// viewBox units; the SVG is stretched to its box by CSS (preserveAspectRatio="none").
const WIDTH = 300;
const HEIGHT = 40;
const GAP = 3;
const HOUR_MS = 3_600_000;

/** Hours the strip shows, the current one last; the worker keeps as many (observe/errors.ts). */
export const ERROR_HOURS = 24;

export const NO_ERRORS_TEXT = 'No rate limits or server errors in the last 24 h';

// Bottom to top in each bar.
const KINDS = ['rateLimited', 'overloaded', 'serverErrors'] as const;
type Kind = (typeof KINDS)[number];
// Each kind's colour in style.css (and the legend's in index.html).
const KIND_CLASSES: Readonly<Record<Kind, string>> = {
  rateLimited: 'rate-limited',
  overloaded: 'overloaded',
  serverErrors: 'server-errors',
};
type Counts = Record<Kind, number>;

interface Slot {
  readonly title: SVGTitleElement;
  readonly bars: Record<Kind, SVGRectElement>;
}

export interface ErrorsView {
  render(state: DashboardState): void;
  /** Slides the hours on to a later `now` with no new state. */
  advance(now: number): void;
}

export function createErrorsView(): ErrorsView {
  const chartBox = byId('errors-chart', HTMLElement);
  const summary = byId('errors-summary', HTMLElement);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.classList.add('errors-bars');
  const slots = Array.from({ length: ERROR_HOURS }, (_, i) => buildSlot(svg, i));
  chartBox.prepend(svg);
  let rows: readonly ErrorHour[] = [];

  const draw = (now: number): void => {
    const hours = perHour(rows, now);
    const peak = Math.max(1, ...hours.map(({ counts }) => total(counts)));
    hours.forEach(({ hour, counts }, i) => {
      const slot = slots[i];
      if (slot !== undefined) fillSlot(slot, hour, counts, peak);
    });
    const sums: Counts = { rateLimited: 0, overloaded: 0, serverErrors: 0 };
    for (const { counts } of hours) for (const kind of KINDS) sums[kind] += counts[kind];
    const any = total(sums) > 0;
    setHidden(chartBox, !any);
    summary.classList.toggle('muted', !any);
    setText(summary, any ? `${countsText(sums)} in the last 24 h` : NO_ERRORS_TEXT);
    const busy = hours.filter(({ counts }) => total(counts) > 0);
    const description =
      'Rate limits and server errors per hour, last 24 hours' +
      (busy.length === 0 ? ': none' : `: ${busy.map(hourText).join('; ')}`);
    setAttribute(svg, 'aria-label', description);
  };

  return {
    render(state) {
      rows = state.stats?.limits.errors ?? [];
      draw(state.time);
    },
    advance: draw,
  };
}

/** The last ERROR_HOURS hours at `now`, oldest first, each row summed into its hour. */
function perHour(rows: readonly ErrorHour[], now: number): { hour: number; counts: Counts }[] {
  const last = Math.floor(now / HOUR_MS) * HOUR_MS;
  const first = last - (ERROR_HOURS - 1) * HOUR_MS;
  const hours = Array.from({ length: ERROR_HOURS }, (_, i) => ({
    hour: first + i * HOUR_MS,
    counts: { rateLimited: 0, overloaded: 0, serverErrors: 0 },
  }));
  for (const row of rows) {
    const entry = hours[Math.floor((row.hour - first) / HOUR_MS)];
    if (entry === undefined) continue;
    for (const kind of KINDS) entry.counts[kind] += row[kind];
  }
  return hours;
}

function buildSlot(svg: SVGSVGElement, index: number): Slot {
  const slot = WIDTH / ERROR_HOURS;
  const group = document.createElementNS(SVG_NS, 'g');
  const title = document.createElementNS(SVG_NS, 'title');
  const track = rect(index * slot + GAP / 2, slot - GAP);
  track.setAttribute('y', '0');
  track.setAttribute('height', String(HEIGHT));
  track.classList.add('track');
  group.append(title, track);
  const bars = {} as Record<Kind, SVGRectElement>;
  for (const kind of KINDS) {
    const bar = rect(index * slot + GAP / 2, slot - GAP);
    bar.classList.add('bar', KIND_CLASSES[kind]);
    bar.dataset.count = '0';
    group.append(bar);
    bars[kind] = bar;
  }
  svg.append(group);
  return { title, bars };
}

function fillSlot(slot: Slot, hour: number, counts: Counts, peak: number): void {
  let bottom = HEIGHT;
  for (const kind of KINDS) {
    const bar = slot.bars[kind];
    const value = counts[kind];
    // Any failure shows at least a sliver, so one is not mistaken for none.
    const height = value === 0 ? 0 : Math.max(2, (value / peak) * HEIGHT);
    bottom -= height;
    setAttribute(bar, 'data-count', String(value));
    setAttribute(bar, 'y', String(bottom));
    setAttribute(bar, 'height', String(height));
  }
  setText(slot.title, hourText({ hour, counts }));
}

function rect(x: number, width: number): SVGRectElement {
  const element = document.createElementNS(SVG_NS, 'rect');
  element.setAttribute('x', String(x));
  element.setAttribute('width', String(width));
  return element;
}

function total(counts: Counts): number {
  return counts.rateLimited + counts.overloaded + counts.serverErrors;
}

/** `3 rate limited · 1 overloaded · 2 server errors`, the kinds that happened. */
function countsText(counts: Counts): string {
  const parts: string[] = [];
  if (counts.rateLimited > 0) parts.push(`${formatCount(counts.rateLimited)} rate limited`);
  if (counts.overloaded > 0) parts.push(`${formatCount(counts.overloaded)} overloaded`);
  if (counts.serverErrors > 0) parts.push(plural(counts.serverErrors, 'server error', formatCount));
  return parts.join(' · ');
}

function hourText({ hour, counts }: { hour: number; counts: Counts }): string {
  return `${formatShortClock(hour)}: ${total(counts) === 0 ? 'none' : countsText(counts)}`;
}
