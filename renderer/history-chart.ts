// The History view's chart: a bar per day of the range, tokens or requests, with each day's
// numbers in its tooltip. Drawn anew per answer (it changes only when the user asks again).

import type { TotalsEntry } from '../shared/history.js';
import { plural } from '../shared/text.js';
import { formatTokens } from '../shared/usage-text.js';
import { formatCount } from './format.js';

/** What the bars measure. */
export type ChartMetric = 'tokens' | 'requests';

const SVG_NS = 'http://www.w3.org/2000/svg';
// viewBox units; CSS stretches the SVG to its box (preserveAspectRatio="none").
const WIDTH = 600;
const HEIGHT = 80;
// Fewer days than this still get bars this narrow, centred, so one day is not one wide slab.
const MIN_SLOTS = 7;

/** One day's bar: its key, its number under `metric`, and its tooltip. */
export interface DayBar {
  readonly day: string;
  readonly value: number;
  readonly title: string;
}

/** A bar per day of `days`, zero where `totals` has none. */
export function toDayBars(
  days: readonly string[],
  totals: readonly TotalsEntry[],
  metric: ChartMetric,
): DayBar[] {
  const byDay = new Map(totals.map((entry) => [entry.key, entry]));
  return days.map((day) => {
    const entry = byDay.get(day);
    const requests = entry?.requests ?? 0;
    const tokens = entry?.tokens ?? 0;
    return {
      day,
      value: metric === 'tokens' ? tokens : requests,
      title: `${day}: ${plural(requests, 'request', formatCount)}, ${formatTokens(tokens)} tokens`,
    };
  });
}

/** Redraws `svg` with `bars`; `description` becomes its accessible name. */
export function drawDayChart(svg: SVGSVGElement, bars: readonly DayBar[], description: string) {
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', description);
  const slot = WIDTH / Math.max(bars.length, MIN_SLOTS);
  const start = (WIDTH - slot * bars.length) / 2;
  const peak = Math.max(1, ...bars.map((bar) => bar.value));
  svg.replaceChildren(
    ...bars.map((bar, i) => {
      // Any use at all shows at least a sliver, so a quiet day is not mistaken for none.
      const height = bar.value === 0 ? 0 : Math.max(2, (bar.value / peak) * HEIGHT);
      const group = document.createElementNS(SVG_NS, 'g');
      group.classList.add('day');
      group.dataset.day = bar.day;
      group.dataset.value = String(bar.value);
      const title = document.createElementNS(SVG_NS, 'title');
      title.textContent = bar.title;
      // The full-height track takes the pointer for the tooltip even over a short bar.
      const track = rect(start + i * slot, 0, slot, HEIGHT, 'track');
      const filled = rect(
        start + i * slot + slot * 0.1,
        HEIGHT - height,
        slot * 0.8,
        height,
        'bar',
      );
      group.append(title, track, filled);
      return group;
    }),
  );
}

function rect(x: number, y: number, width: number, height: number, name: string): SVGRectElement {
  const element = document.createElementNS(SVG_NS, 'rect');
  element.setAttribute('x', String(x));
  element.setAttribute('y', String(y));
  element.setAttribute('width', String(width));
  element.setAttribute('height', String(height));
  element.classList.add(name);
  return element;
}
