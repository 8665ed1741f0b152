import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG, type Config } from '../../../proxy-core/config/config.js';
import { STATS_INTERVAL_MS } from '../../../proxy-core/entry/protocol.js';
import { send } from '../../helpers/client.js';
import { forkWorker, type Worker } from '../../helpers/process-worker.js';
import { occupyPort, startUpstream, type Upstream } from '../../helpers/servers.js';
import { createCertificate } from '../../helpers/tls.js';

function configWith(overrides: Partial<Config> = {}): Config {
  return { ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, ...overrides };
}

/** An upstream that answers every request with its own name, so a test sees who served it. */
async function startNamedUpstream(t: TestContext, name: string): Promise<Upstream> {
  return startUpstream(t, (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(name);
    });
  });
}

/** Forks the worker, starts it with `config` and resolves once it reports where it listens. */
async function startWorker(
  t: TestContext,
  config: Config,
): Promise<{ worker: Worker; url: string }> {
  const worker = forkWorker(t);
  await worker.send({ type: 'start', config });
  const listening = await worker.next('listening');
  assert.equal(listening.host, '127.0.0.1');
  assert.ok(listening.port > 0);
  return { worker, url: `http://127.0.0.1:${listening.port}` };
}

test('the forked worker answers start with listening on a real port that serves requests', async (t) => {
  const upstream = await startNamedUpstream(t, 'upstream-a');
  const { url } = await startWorker(t, configWith({ upstreams: { anthropic: upstream.url } }));

  const res = await send(`${url}/anthropic/v1/messages`, { method: 'POST' }, '{}');

  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'upstream-a');
});

test('stats snapshots reflect requests made through the worker', async (t) => {
  const upstream = await startNamedUpstream(t, 'upstream-a');
  const { worker, url } = await startWorker(
    t,
    configWith({ upstreams: { anthropic: upstream.url, openai: upstream.url } }),
  );
  const initial = await worker.next('stats');
  assert.equal(initial.snapshot.requests.anthropic, 0);

  await send(`${url}/anthropic/v1/messages`, { method: 'POST' }, '{}');
  await send(`${url}/openai/v1/chat/completions`, { method: 'POST' }, '{}');
  await send(`${url}/openai/v1/chat/completions`, { method: 'POST' }, '{}');

  const { snapshot } = await worker.next(
    'stats',
    (m) => m.snapshot.requests.anthropic + m.snapshot.requests.openai === 3,
  );
  assert.equal(snapshot.requests.anthropic, 1);
  assert.equal(snapshot.requests.openai, 2);
  assert.equal(snapshot.active, 0);
  assert.deepEqual(
    snapshot.recent.map((r) => [r.path, r.status]),
    [
      ['/openai/v1/chat/completions', 200],
      ['/openai/v1/chat/completions', 200],
      ['/anthropic/v1/messages', 200],
    ],
  );
});

test('the worker sends no stats snapshot while nothing has changed', async (t) => {
  const upstream = await startNamedUpstream(t, 'upstream-a');
  const { worker, url } = await startWorker(
    t,
    configWith({ upstreams: { anthropic: upstream.url } }),
  );
  await worker.next('stats');

  // Memex's own endpoints are not traffic: reading stats must not make a snapshot either.
  assert.equal((await send(`${url}/_memex/stats`)).status, 200);
  // The window only bounds the check; any stats message inside it fails the test at once.
  await worker.expectSilence('stats', 4 * STATS_INTERVAL_MS);

  await send(`${url}/anthropic/v1/messages`, { method: 'POST' }, '{}');
  const next = await worker.next('stats');
  assert.ok(next.snapshot.active === 1 || next.snapshot.requests.anthropic === 1);
});

test('reload with a changed upstream sends the next request to the new upstream', async (t) => {
  const first = await startNamedUpstream(t, 'upstream-a');
  const second = await startNamedUpstream(t, 'upstream-b');
  const { worker, url } = await startWorker(t, configWith({ upstreams: { anthropic: first.url } }));
  // A stats message comes from the timer set once start has been fully handled, so the
  // worker's message queue is idle and the reload below runs as soon as it arrives.
  await worker.next('stats');
  assert.equal(
    (await send(`${url}/anthropic/v1/messages`, { method: 'POST' }, '{}')).body.toString(),
    'upstream-a',
  );

  await worker.send({
    type: 'reload',
    config: configWith({ upstreams: { anthropic: second.url } }),
  });
  // Reload has no reply; a malformed message after it does, and messages are handled in order.
  await worker.send({ type: 'ping' });
  await worker.next('error', (m) => m.code === 'BAD_MESSAGE');

  const res = await send(`${url}/anthropic/v1/messages`, { method: 'POST' }, '{}');
  assert.equal(res.body.toString(), 'upstream-b');
});

test('a reload that cannot be applied is reported and the last good config keeps serving', async (t) => {
  const upstream = await startNamedUpstream(t, 'upstream-a');
  const { worker, url } = await startWorker(
    t,
    configWith({ upstreams: { anthropic: upstream.url } }),
  );

  await worker.send({
    type: 'reload',
    config: configWith({ upstreams: { anthropic: 'not a url' } }),
  });

  const error = await worker.next('error');
  assert.equal(error.code, 'CONFIG_INVALID');
  assert.equal(error.fatal, false);
  const res = await send(`${url}/anthropic/v1/messages`, { method: 'POST' }, '{}');
  assert.equal(res.body.toString(), 'upstream-a');
  // Later messages are still handled: stop is not lost behind the failed reload.
  await worker.send({ type: 'stop' });
  await worker.next('stopped');
  assert.deepEqual(await worker.exited, { code: 0, signal: null });
});

test('stop is answered with stopped and the worker exits with code 0', async (t) => {
  const { worker, url } = await startWorker(t, configWith());

  await worker.send({ type: 'stop' });

  await worker.next('stopped');
  assert.deepEqual(await worker.exited, { code: 0, signal: null });
  await assert.rejects(send(`${url}/_memex/health`), { code: 'ECONNREFUSED' });
});

test('a malformed message gets a BAD_MESSAGE error and the worker keeps working', async (t) => {
  const upstream = await startNamedUpstream(t, 'upstream-a');
  const worker = forkWorker(t);
  const malformed: unknown[] = [
    'start',
    42,
    null,
    [],
    {},
    { type: 'launch' },
    { type: 'start' },
    { type: 'start', config: { host: '127.0.0.1' } },
    { type: 'reload', config: null },
  ];

  for (const message of malformed) {
    await worker.send(message);
    const error = await worker.next('error');
    assert.equal(error.code, 'BAD_MESSAGE', `for ${JSON.stringify(message)}`);
    assert.equal(error.fatal, false);
  }

  await worker.send({
    type: 'start',
    config: configWith({ upstreams: { anthropic: upstream.url } }),
  });
  const { port } = await worker.next('listening');
  const res = await send(
    `http://127.0.0.1:${port}/anthropic/v1/messages`,
    { method: 'POST' },
    '{}',
  );
  assert.equal(res.body.toString(), 'upstream-a');
});

test('starting on a port already in use reports a fatal PORT_IN_USE error', async (t) => {
  const port = await occupyPort(t);
  const worker = forkWorker(t);

  await worker.send({ type: 'start', config: configWith({ port }) });

  const error = await worker.next('error');
  assert.equal(error.code, 'PORT_IN_USE');
  assert.equal(error.fatal, true);
  assert.match(error.message, new RegExp(`\\b${port}\\b`));
  assert.equal(
    worker.received.some((m) => m.type === 'listening'),
    false,
  );
  // The worker stays reachable so main can stop it cleanly.
  await worker.send({ type: 'stop' });
  await worker.next('stopped');
  assert.deepEqual(await worker.exited, { code: 0, signal: null });
});

// Tests run from dist/test/proxy-core/entry/; the fixture compiles to dist/test/fixtures/workers/.
const THROW_ON_DEMAND = fileURLToPath(
  new URL('../../fixtures/workers/throw-on-demand.js', import.meta.url),
);

test('an uncaught exception is reported, then the worker exits 1 so that it is restarted', async (t) => {
  const worker = forkWorker(t, ['--import', THROW_ON_DEMAND]);
  await worker.send({ type: 'start', config: configWith() });
  await worker.next('listening');

  await worker.send({ type: 'test:throw' });

  const error = await worker.next('error', (m) => m.code === 'WORKER_CRASHED');
  assert.equal(error.fatal, false);
  assert.match(error.message, /^uncaught exception: Error: a bug nobody caught/);
  assert.deepEqual(await worker.exited, { code: 1, signal: null });
});

test('a worker serving TLS says so when it listens, so the app hands out https:// addresses', async (t) => {
  const certificate = await createCertificate(t);
  const worker = forkWorker(t);
  await worker.send({
    type: 'start',
    config: configWith({ tls: { cert: certificate.certFile, key: certificate.keyFile } }),
  });
  const listening = await worker.next('listening');
  assert.equal(listening.secure, true);
  const plain = forkWorker(t);
  await plain.send({ type: 'start', config: configWith() });
  assert.equal((await plain.next('listening')).secure, undefined);
});
