// The real agents' request heads (test/fixtures/clients/request-heads.json), keyed by capture.

import { readFileSync } from 'node:fs';

export interface RequestHead {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly websocket: boolean;
  readonly headers: Readonly<Record<string, string>>;
}

const FILE = new URL('../../../test/fixtures/clients/request-heads.json', import.meta.url);

/** Every capture's heads, e.g. `heads['claude-code-2.1.332']`. */
export function loadRequestHeads(): Readonly<Record<string, readonly RequestHead[]>> {
  return JSON.parse(readFileSync(FILE, 'utf8')) as Record<string, RequestHead[]>;
}
