// The Node floor: the least a reverse proxy on node:http can do, so the bench can tell memex's own
// cost from the cost of two HTTP hops in Node. One keep-alive agent; the request's headers copied
// with Host set to the upstream, its body piped to the upstream request; the response's status and
// headers copied with writeHead, its body piped back. No parsing, no logging. The only headers it
// drops are `connection` and `keep-alive`, which describe one hop: passing the client's
// `connection: close` on would close the pooled upstream socket and make the agent pointless.
// The error listeners are there so one broken connection does not end the process.
// Same /bench prefix as memex's route. Usage: node floor.js UPSTREAM_URL; prints
// "floor listening on PORT".

import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';

function withoutHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  delete copy.connection;
  delete copy['keep-alive'];
  return copy;
}

function main(target: string): void {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    const outgoing = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: (req.url ?? '/').replace(/^\/bench(?=\/)/, ''),
        headers: { ...withoutHop(req.headers), host: upstream.host },
        agent,
      },
      (response) => {
        res.writeHead(response.statusCode ?? 502, withoutHop(response.headers));
        response.pipe(res);
        response.on('error', () => res.destroy());
      },
    );
    outgoing.on('error', () => {
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    });
    req.on('error', () => outgoing.destroy());
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    req.pipe(outgoing);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`floor listening on ${port}\n`);
  });
}

main(process.argv[2] ?? 'http://127.0.0.1:1');
