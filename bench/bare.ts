// The baseline: the smallest reverse proxy http-proxy-3 allows, with the error listener it needs
// (without one, its onError rethrows and the process dies). Same /bench prefix as memex's route.
// Usage: node bare.js UPSTREAM_URL; prints "bare listening on PORT".

import { createServer } from 'node:http';
import { createProxyServer } from 'http-proxy-3';

function main(target: string): void {
  const proxy = createProxyServer({ target });
  proxy.on('error', (_err, _req, res) => {
    if ('writeHead' in res && !res.headersSent) {
      res.writeHead(502);
      res.end();
    } else {
      res.destroy();
    }
  });
  const server = createServer((req, res) => {
    req.url = (req.url ?? '/').replace(/^\/bench(?=\/)/, '');
    proxy.web(req, res);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`bare listening on ${port}\n`);
  });
}

main(process.argv[2] ?? 'http://127.0.0.1:1');
