// The captured tool output of test/fixtures/origin, read from the compiled tests' place in dist/.

import { readFileSync } from 'node:fs';

/** The text of test/fixtures/origin/`name`. */
export function fixture(name: string): string {
  return readFileSync(
    new URL(`../../../../../test/fixtures/origin/${name}`, import.meta.url),
    'latin1',
  );
}
