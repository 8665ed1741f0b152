// What memex reads off a response after relaying it: observers attached once the response head
// is in and pipe() is writing the body to the client, so each sees a chunk only after the client
// has been sent it. Observing never delays, alters or fails the relay. Today: the time to the
// first body byte and token usage.

import type { IncomingMessage } from 'node:http';
import type { Exchange } from '../http/exchange.js';
import { createUsageReader } from '../usage/reader.js';

/** Attaches the observers `res`'s context calls for to the upstream `response`. */
export function observeResponse(response: IncomingMessage, res: Exchange): void {
  response.once('data', res.firstByte);
  const { schema, path } = res.context;
  // count_tokens answers a question about a prompt; nothing is generated or spent.
  if (schema === 'unknown' || path.includes('/count_tokens')) return;
  const headers = response.headers;
  const reader = createUsageReader(
    schema,
    {
      status: response.statusCode ?? 0,
      contentType: headers['content-type'],
      contentEncoding: headers['content-encoding'],
    },
    (outcome, terminal) => {
      res.usageRead(outcome, terminal);
    },
  );
  if (reader === undefined) return;
  res.usageStarted();
  response.on('data', (chunk: Buffer) => {
    reader.write(chunk);
  });
  response.once('end', () => {
    reader.end();
  });
  response.once('close', () => {
    if (!response.complete) reader.abort();
  });
}
