// The generic checks config validation is made of: unknown keys with a "did you mean", value
// descriptions for messages, and the type guards for parsed documents. Pure functions.

/** Reports one problem at a key path. */
export type Report = (path: readonly string[], message: string) => void;

/** Reports each key of `map` that is not in `allowed`, with the nearest allowed one. */
export function checkKeys(
  map: Record<string, unknown>,
  path: readonly string[],
  allowed: readonly string[],
  report: Report,
): void {
  for (const key of Object.keys(map)) {
    if (allowed.includes(key)) continue;
    const guess = closest(key, allowed);
    report(
      [...path, key],
      `unknown key${guess === undefined ? '' : ` (did you mean "${guess}"?)`}; ` +
        `known keys: ${allowed.join(', ')}`,
    );
  }
}

/** The allowed key nearest to a typo (edit distance ≤ 2), if any. */
export function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)
  );
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** A value as a message names it: strings quoted, containers by kind. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return 'a date';
  return 'a mapping';
}
