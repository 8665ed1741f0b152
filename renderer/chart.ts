// A small SVG bar chart for requests per minute: one bar per minute, created once; an update only
// moves each bar's top. Scaled to its own peak, so a quiet schema's chart is still readable.

const SVG_NS = 'http://www.w3.org/2000/svg';
// viewBox units; the SVG is stretched to its box by CSS (preserveAspectRatio="none").
const WIDTH = 300;
const HEIGHT = 60;
const GAP = 4;

export interface BarChart {
  readonly element: SVGSVGElement;
  /** Shows `values`, oldest first; `description` becomes the chart's accessible name. */
  update(values: readonly number[], description: string): void;
}

/** A chart of `count` bars, all zero. */
export function createBarChart(count: number): BarChart {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.classList.add('chart');
  const slot = WIDTH / count;
  const bars: SVGRectElement[] = [];
  for (let i = 0; i < count; i++) {
    const track = rect(i * slot + GAP / 2, 0, slot - GAP, HEIGHT);
    track.classList.add('track');
    const bar = rect(i * slot + GAP / 2, HEIGHT, slot - GAP, 0);
    bar.classList.add('bar');
    bar.dataset.count = '0';
    svg.append(track, bar);
    bars.push(bar);
  }
  return {
    element: svg,
    update(values, description) {
      const peak = Math.max(1, ...values);
      bars.forEach((bar, i) => {
        const value = values[i] ?? 0;
        // Any traffic at all shows at least a sliver, so one request is not mistaken for none.
        const height = value === 0 ? 0 : Math.max(2, (value / peak) * HEIGHT);
        const count = String(value);
        if (bar.dataset.count === count && bar.getAttribute('height') === String(height)) return;
        bar.dataset.count = count;
        bar.setAttribute('y', String(HEIGHT - height));
        bar.setAttribute('height', String(height));
      });
      if (svg.getAttribute('aria-label') !== description) {
        svg.setAttribute('aria-label', description);
      }
    },
  };
}

function rect(x: number, y: number, width: number, height: number): SVGRectElement {
  const element = document.createElementNS(SVG_NS, 'rect');
  element.setAttribute('x', String(x));
  element.setAttribute('y', String(y));
  element.setAttribute('width', String(width));
  element.setAttribute('height', String(height));
  return element;
}
