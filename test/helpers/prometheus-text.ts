// Reading an exposition as a scraper would: a small parser for the Prometheus text format and
// OpenMetrics samples (comments skipped), lookups by name and labels, and promtool's check.

import { spawn } from 'node:child_process';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|})/;

/** Every sample line of `text`; throws on a line that is neither a sample nor a comment. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (name === undefined) throw new Error(`not a sample: ${line}`);
    let rest = line.slice(name.length);
    const labels: Record<string, string> = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const match = LABEL.exec(rest);
        if (match === null) throw new Error(`bad labels: ${line}`);
        const [whole, label = '', value = '', end] = match;
        labels[label] = value.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
        rest = end === '}' ? rest.slice(whole.length - 1) : rest.slice(whole.length);
      }
      rest = rest.slice(1);
    }
    const [value = ''] = rest.trim().split(/\s+/);
    samples.push({ name, labels, value: toNumber(value) });
  }
  return samples;
}

/** The value of the sample named `name` whose labels are exactly `labels`. */
export function valueOf(
  samples: readonly Sample[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const wanted = Object.entries(labels);
  return samples.find(
    (sample) =>
      sample.name === name &&
      Object.keys(sample.labels).length === wanted.length &&
      wanted.every(([label, value]) => sample.labels[label] === value),
  )?.value;
}

/** The sum of the samples named `name` whose labels include `where`. */
export function sumOf(
  samples: readonly Sample[],
  name: string,
  where: Readonly<Record<string, string>> = {},
): number {
  let sum = 0;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (Object.entries(where).every(([label, value]) => sample.labels[label] === value)) {
      sum += sample.value;
    }
  }
  return sum;
}

/** The distinct values of `label` among the samples named `name`. */
export function labelValues(samples: readonly Sample[], name: string, label: string): Set<string> {
  const values = new Set<string>();
  for (const sample of samples) {
    const value = sample.labels[label];
    if (sample.name === name && value !== undefined) values.add(value);
  }
  return values;
}

/** `promtool check metrics` on `text` (stdin): its exit code and what it printed. */
export function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output });
    });
    child.stdin.end(text);
  });
}

// Go's ParseFloat, as Prometheus reads values: Inf and NaN in any case (prom-client writes `Nan`).
function toNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad value ${text}`);
  return value;
}
