import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plural, toThousands } from '../../shared/text.js';

test('plural puts the noun that fits after the count, written as asked', () => {
  assert.equal(plural(0, 'request'), '0 requests');
  assert.equal(plural(1, 'error'), '1 error');
  assert.equal(plural(1234, 'request'), '1234 requests');
  assert.equal(
    plural(1234, 'request', (count) => count.toLocaleString('en-US')),
    '1,234 requests',
  );
});

test('toThousands moves up a unit before rounding would write 1000', () => {
  const units = ['k', 'M', 'B'];
  const cases: [number, number, string][] = [
    [1000, 1, 'k'],
    [999_499, 999.499, 'k'],
    [999_500, 0.9995, 'M'],
    [2_500_000, 2.5, 'M'],
    // The last unit takes whatever is left.
    [5e12, 5000, 'B'],
  ];
  for (const [count, value, unit] of cases) {
    assert.deepEqual(toThousands(count, units), { value, unit }, String(count));
  }
});
