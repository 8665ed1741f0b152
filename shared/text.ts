// How every process writes counts: a noun after its number, and a count scaled in steps of a
// thousand (k, M…, kB, MB…). Pure, so the tray and the dashboard word them alike.

/**
 * `1 request`, `2 requests`. `format` writes the number: String (the tray's `1234`) by default,
 * or a formatter with thousands separators (the dashboard's `1,234`).
 */
export function plural(
  count: number,
  noun: string,
  format: (count: number) => string = String,
): string {
  return `${format(count)} ${count === 1 ? noun : `${noun}s`}`;
}

/**
 * `count` (1000 or more) in the first of `units` (each a thousand times the one before, the first
 * a thousand) that holds it below 999.5, so that rounding to three digits never writes `1000k`;
 * the last unit takes whatever is left.
 */
export function toThousands(
  count: number,
  units: readonly string[],
): { readonly value: number; readonly unit: string } {
  let value = count / 1000;
  let unit = 0;
  while (value >= 999.5 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return { value, unit: units[unit] ?? '' };
}
