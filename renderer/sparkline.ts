// A small SVG line of a limit window's use over the day: one point per reading, 0 % at the bottom,
// 100 % at the top, time from left to right, and a dot on the latest reading. Built once; an
// update only rewrites the line's points.

import type { UsagePoint } from '../shared/snapshot.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
// viewBox units, equal to the CSS size (.sparkline) so the dot stays round.
const WIDTH = 96;
const HEIGHT = 28;
// Room for the stroke and the dot at 0 % and 100 %.
const INSET = 2.5;

export interface Sparkline {
  readonly element: SVGSVGElement;
  /**
   * Shows `points` (oldest first) on a time axis from `from` to `to` (ms since the epoch);
   * `description` becomes the line's accessible name.
   */
  update(points: readonly UsagePoint[], from: number, to: number, description: string): void;
}

export function createSparkline(): Sparkline {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('role', 'img');
  svg.classList.add('sparkline');
  const track = document.createElementNS(SVG_NS, 'rect');
  track.classList.add('track');
  for (const [name, value] of [
    ['width', WIDTH],
    ['height', HEIGHT],
    ['rx', 3],
  ] as const) {
    track.setAttribute(name, String(value));
  }
  const line = document.createElementNS(SVG_NS, 'polyline');
  line.classList.add('line');
  const dot = document.createElementNS(SVG_NS, 'circle');
  dot.classList.add('dot');
  dot.setAttribute('r', '2');
  svg.append(track, line, dot);

  return {
    element: svg,
    update(points, from, to, description) {
      const span = Math.max(1, to - from);
      const xy = points.map(([time, used]): readonly [number, number] => [
        round(clamp((time - from) / span) * WIDTH),
        round(HEIGHT - INSET - clamp(used) * (HEIGHT - 2 * INSET)),
      ]);
      const text = xy.map(([x, y]) => `${x},${y}`).join(' ');
      if (line.getAttribute('points') !== text) line.setAttribute('points', text);
      const last = xy[xy.length - 1];
      dot.toggleAttribute('hidden', last === undefined);
      if (last !== undefined) {
        dot.setAttribute('cx', String(Math.min(Math.max(last[0], INSET), WIDTH - INSET)));
        dot.setAttribute('cy', String(last[1]));
      }
      if (svg.getAttribute('aria-label') !== description) {
        svg.setAttribute('aria-label', description);
      }
    },
  };
}

function clamp(fraction: number): number {
  return Math.min(1, Math.max(0, fraction));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
