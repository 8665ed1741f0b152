// The origin lookup's own thread: scanning /proc (or running lsof) is thousands of small reads
// whose callbacks, on the proxy's event loop, held streamed chunks back by tens of milliseconds.
// Here they run beside it; the proxy only posts a connection and gets an origin back.

import { parentPort } from 'node:worker_threads';
import { createOriginLookup } from './lookup.js';
import { parseLookupRequest } from './threaded.js';

const port = parentPort;
if (port !== null) {
  const lookup = createOriginLookup();
  port.on('message', (value: unknown) => {
    const request = parseLookupRequest(value);
    if (request === undefined) return;
    void lookup.lookup(request.connection).then((origin) => {
      port.postMessage({ id: request.id, origin });
    });
  });
}
