// The Node floor: the least a reverse proxy on node:http can do, so the bench can tell memex's own
// cost from the cost of two HTTP hops in Node. One keep-alive agent; the request's headers copied
// with Host set to the upstream, its body piped to the upstream request; the response's status and
// headers copied with writeHead, its body piped back. No parsing, no logging. The only headers it
// drops are `connection` and `keep-alive`, which describe one hop: passing the client's
// `connection: close` on would close the pooled upstream socket and make the agent pointless.
// The error listeners are there so one broken connection does not end the process. WebSocket
// upgrades get the least relay: the handshake sent on with the client's headers (Host
// rewritten), the upstream's 101 written back with its raw headers, the sockets piped both ways
// (Node 24 sets no-delay on both already); an error or a close on either side destroys both, any
// other answer drops the client. Same /bench prefix as memex's route. Usage: node floor.js
// UPSTREAM_URL; prints "floor listening on PORT".

import {
  Agent,
  createServer,
  request,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import type { Duplex } from 'node:stream';

function withoutHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const copy = { ...headers };
  delete copy.connection;
  delete copy['keep-alive'];
  return copy;
}

/** Relays one upgrade request to `upstream` and, on its 101, splices the two sockets. */
function relayUpgrade(upstream: URL, req: IncomingMessage, client: Duplex, head: Buffer): void {
  client.on('error', () => client.destroy());
  const outgoing = request({
    host: upstream.hostname,
    port: upstream.port,
    method: req.method,
    path: (req.url ?? '/').replace(/^\/bench(?=\/)/, ''),
    headers: { ...req.headers, host: upstream.host },
    agent: false,
  });
  outgoing.on('error', () => client.destroy());
  outgoing.on('response', () => client.destroy());
  outgoing.on('upgrade', (response, socket, upstreamHead) => {
    let handshake = 'HTTP/1.1 101 Switching Protocols\r\n';
    const raw = response.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) handshake += `${raw[i]}: ${raw[i + 1]}\r\n`;
    client.write(`${handshake}\r\n`);
    if (upstreamHead.length > 0) client.write(upstreamHead);
    if (head.length > 0) socket.write(head);
    socket.pipe(client);
    client.pipe(socket);
    // A clean end is passed on by pipe(); an error or a close on one side ends the other.
    socket.on('error', () => client.destroy());
    client.on('error', () => socket.destroy());
    socket.on('close', () => client.destroy());
    client.on('close', () => socket.destroy());
  });
  outgoing.end();
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
  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    relayUpgrade(upstream, req, client, head);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`floor listening on ${port}\n`);
  });
}

main(process.argv[2] ?? 'http://127.0.0.1:1');
