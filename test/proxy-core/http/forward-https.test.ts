// Forward mode to https:// targets: an absolute-form `GET https://host/…` asks memex itself to
// speak TLS to the upstream, verifying its certificate like any client would.

import assert from 'node:assert/strict';
import { once } from '../../helpers/events.js';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:https';
import { test, type TestContext } from 'node:test';
import { errorOf, send } from '../../helpers/client.js';
import { startProxyProcess } from '../../helpers/proxy-process.js';
import { createCertificate, type Certificate } from '../../helpers/tls.js';

async function startHttpsUpstream(t: TestContext, certificate: Certificate): Promise<number> {
  const server = createServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
    req.resume();
    res.end(`tls ${req.method ?? ''} ${req.url ?? ''} host=${req.headers.host ?? ''}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  return (server.address() as AddressInfo).port;
}

test('an absolute https:// request is sent over TLS to a trusted upstream', async (t) => {
  const certificate = await createCertificate(t);
  const port = await startHttpsUpstream(t, certificate);
  // NODE_EXTRA_CA_CERTS is how a user makes memex trust a private CA; here, the test's own.
  const proxy = await startProxyProcess(t, [], {
    ...process.env,
    NODE_EXTRA_CA_CERTS: certificate.certFile,
  });
  const target = `https://localhost:${port}/v1/messages?beta=true`;
  const res = await send(proxy.url, { method: 'POST', path: target }, '{}');
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), `tls POST /v1/messages?beta=true host=localhost:${port}`);
});

test('an https:// upstream whose certificate is not trusted gets 502 UPSTREAM_TLS', async (t) => {
  const certificate = await createCertificate(t);
  const port = await startHttpsUpstream(t, certificate);
  const env = { ...process.env };
  delete env['NODE_EXTRA_CA_CERTS'];
  const proxy = await startProxyProcess(t, [], env);
  const res = await send(proxy.url, { path: `https://localhost:${port}/x` });
  assert.equal(res.status, 502);
  assert.equal(res.headers['x-memex-error'], 'UPSTREAM_TLS');
  const error = errorOf(res.body);
  assert.equal(error.code, 'UPSTREAM_TLS');
  assert.match(
    error.message,
    /^upstream localhost:\d+ failed the TLS handshake \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/,
  );
});
