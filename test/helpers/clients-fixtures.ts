// Wire fixtures (test/fixtures/wire) served the way the real APIs send them: the sidecar's status
// and headers, then the body; SSE bodies one event per write.

import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

const WIRE = new URL('../../../test/fixtures/wire/', import.meta.url);

export interface WireFixture {
  readonly body: Buffer;
  readonly status: number;
  /** The sidecar's response headers, minus placeholders such as `<int>`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body split after each blank line (one SSE event per element); one element otherwise. */
  readonly events: readonly string[];
}

/** Reads `<name>` (e.g. `anthropic/messages.json`) and its `.meta.json` sidecar. */
export function loadWireFixture(name: string): WireFixture {
  const body = readFileSync(new URL(name, WIRE));
  const sidecar = name.replace(/\.[a-z]+$/, '.meta.json');
  const meta = JSON.parse(readFileSync(new URL(sidecar, WIRE), 'utf8')) as {
    status: number;
    response_headers: Record<string, string>;
  };
  const headers = Object.fromEntries(
    Object.entries(meta.response_headers).filter(([, value]) => !value.startsWith('<')),
  );
  const text = body.toString('utf8');
  const events = name.endsWith('.sse') ? text.split(/(?<=\n\n)/) : [text];
  return { body, status: meta.status, headers, events };
}

/** Writes the fixture as the response, waiting for each event's write before the next. */
export async function serveWireFixture(res: ServerResponse, fixture: WireFixture): Promise<void> {
  res.writeHead(fixture.status, fixture.headers);
  for (const event of fixture.events) {
    await new Promise<void>((resolve, reject) => {
      res.write(event, (err) => {
        if (err === null || err === undefined) resolve();
        else reject(err);
      });
    });
  }
  res.end();
}
