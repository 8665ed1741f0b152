// Process and resource faults (issue 6): a proxy killed with streams open leaves no client
// hanging, and a proxy out of file descriptors refuses connections without crashing, then serves
// again once they are released.

import assert from 'node:assert/strict';
import { once } from '../helpers/events.js';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import {
  assertHealthy,
  fdCount,
  NO_LOOKUPS_CONFIG,
  settlesTo,
  startCountingUpstream,
} from '../helpers/adversarial-upstream.js';
import { spawnProcess, withGuard } from '../helpers/process-spawn.js';
import { startProxyProcess } from '../helpers/proxy-process.js';

const CLI = fileURLToPath(new URL('../../bin/memex-proxy.cjs', import.meta.url));

/** Opens an SSE request through the proxy; resolves once the first event arrived. */
async function openStream(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(`GET /sse/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  let text = '';
  while (!text.includes('data: first')) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    text += chunk.toString('latin1');
  }
  return socket;
}

test('20 clients streaming through a proxy that is SIGKILLed see their connections close', async (t) => {
  let upstreamClosed = 0;
  const upstream = await startCountingUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: first\n\n');
    res.once('close', () => upstreamClosed++);
  });
  const proxy = await startProxyProcess(t, ['--upstream', `sse=${upstream.url}`]);
  const streams = await withGuard(
    Promise.all(Array.from({ length: 20 }, () => openStream(proxy.port))),
    '20 streams to open',
  );
  const closed = streams.map((socket) => once(socket, 'close'));

  process.kill(proxy.pid, 'SIGKILL');

  await withGuard(Promise.all(closed), 'all 20 client connections to close');
  assert.ok(streams.every((socket) => socket.destroyed));
  assert.equal(await settlesTo(() => 20 - upstreamClosed, 0), 0);
});

test('a proxy out of file descriptors refuses connections, survives EMFILE and serves again', async (t) => {
  const upstream = await startCountingUpstream(t);
  const spawned = spawnProcess(t, 'bash', [
    '-c',
    `ulimit -n 1024; exec "${process.execPath}" "${CLI}" --host 127.0.0.1 --port 0 --config "${NO_LOOKUPS_CONFIG}" --upstream ok=${upstream.url}`,
  ]);
  const line = await spawned.line('stdout', /listening on http:\/\/127\.0\.0\.1:\d+/);
  const port = Number(/:(\d+)\s*$/.exec(line.trim())?.[1] ?? /:(\d+)/.exec(line)?.[1]);
  const baseline = await fdCount(spawned.pid);

  // Open idle connections in batches until the proxy has refused (closed) some of them: it has
  // run out of descriptors. 10,000 attempts is far beyond its limit of 1,024.
  const sockets: Socket[] = [];
  let refused = 0;
  for (let batch = 0; batch < 100 && refused === 0; batch++) {
    const opened = Array.from({ length: 100 }, () => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.once('close', () => refused++);
      sockets.push(socket);
      return once(socket, 'connect').catch(() => undefined);
    });
    await withGuard(Promise.all(opened), 'a batch of connections');
  }
  await settlesTo(() => (refused > 0 ? 0 : 1), 0);
  assert.ok(refused > 0, `the proxy accepted all ${sockets.length} connections`);
  assert.equal(spawned.child.exitCode, null, `the proxy exited:\n${spawned.stderr()}`);

  for (const socket of sockets) socket.destroy();
  const fds = await settlesTo(() => fdCount(spawned.pid), baseline, 10_000);
  assert.ok(fds <= baseline, `proxy has ${fds} fds open, ${baseline} at start`);
  await assertHealthy(port);
  assert.equal(spawned.child.exitCode, null);
  assert.doesNotMatch(spawned.stderr(), /internal error|unhandled/);
});
