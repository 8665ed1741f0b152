import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchNode } from '../helpers/launcher-node.js';
import type { WorkerProblem } from '../../main/supervisor.js';
import { createStats } from '../../proxy-core/stats.js';
import { type StatsSnapshot } from '../../shared/snapshot.js';
import { send } from '../helpers/client.js';
import { withGuard } from '../helpers/process-spawn.js';
import { occupyPort, startUpstream } from '../helpers/servers.js';
import {
  fakeLauncher,
  recordLaunches,
  superviseForTest,
  workerConfig,
} from '../helpers/supervisor-harness.js';

// Tests run from dist/test/main/; the fixture workers compile next to them.
const CRASHING = fileURLToPath(new URL('../fixtures/workers/crash.js', import.meta.url));
const STUBBORN = fileURLToPath(new URL('../fixtures/workers/stubborn.js', import.meta.url));

/** A supervisor over the real worker (dist/bin/proxy-worker.cjs) forked by launchNode. */
function superviseRealWorker(t: TestContext, entry?: string) {
  const { launcher, launched } = recordLaunches(t, launchNode);
  const supervised = superviseForTest(t, entry === undefined ? { launcher } : { launcher, entry });
  return { ...supervised, launched };
}

/** True while a process with this PID exists (signal 0 only checks). */
function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function settledFlag(promise: Promise<unknown>): () => boolean {
  let settled = false;
  void promise.finally(() => {
    settled = true;
  });
  return () => settled;
}

test('start runs the worker and stats snapshots arrive after a request through it', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  const { supervisor, log } = superviseRealWorker(t);
  const snapshots: StatsSnapshot[] = [];
  let counted: (() => void) | undefined;
  supervisor.onStats((snapshot) => {
    snapshots.push(snapshot);
    if (snapshot.requests.anthropic === 1) counted?.();
  });

  supervisor.start(workerConfig({ upstreams: { anthropic: upstream.url } }));

  await log.next('starting');
  const running = await log.next('running');
  assert.equal(running.host, '127.0.0.1');
  assert.ok(running.port > 0);
  assert.deepEqual(supervisor.status, running);
  const arrived = new Promise<void>((resolve) => (counted = resolve));
  const res = await send(`http://127.0.0.1:${running.port}/anthropic/v1/messages`, {
    method: 'POST',
  });
  assert.equal(res.status, 200);
  await withGuard(arrived, 'a stats snapshot counting the request');
});

test('stop asks the worker to stop and resolves once the process is gone', async (t) => {
  const { supervisor, clock, log, launched } = superviseRealWorker(t);
  supervisor.start(workerConfig());
  await log.next('running');
  const pid = launched[0]?.worker.pid;

  await supervisor.stop();

  assert.deepEqual(
    log.seen.map((status) => status.kind),
    ['starting', 'running', 'stopping', 'stopped'],
  );
  // It left on its own (code 0) before the grace period: no kill, and no timer left behind.
  assert.deepEqual(await launched[0]?.exited(), { code: 0, reason: 'exited with code 0' });
  assert.deepEqual(clock.pending(), []);
  assert.equal(isAlive(pid), false);
});

test('a worker killed from outside is restarted after 0.5 s and runs again', async (t) => {
  const { supervisor, clock, log, launched } = superviseRealWorker(t);
  supervisor.start(workerConfig());
  await log.next('running');
  const first = launched[0]?.worker.pid;
  assert.ok(first !== undefined);

  process.kill(first, 'SIGKILL');

  const restarting = await log.next('restarting');
  assert.deepEqual(restarting, {
    kind: 'restarting',
    retryInMs: 500,
    attempt: 1,
    lastError: 'killed by SIGKILL',
  });
  assert.deepEqual(clock.pending(), [500]);
  clock.advance(499);
  assert.equal(launched.length, 1);
  clock.advance(1);
  await log.next('starting');
  const running = await log.next('running');
  assert.ok(running.port > 0);
  assert.equal(launched.length, 2);
  assert.notEqual(launched[1]?.worker.pid, first);
});

test('the crash count starts again after the worker has run 60 s', async (t) => {
  const { supervisor, clock, log, launched } = superviseRealWorker(t);
  const killLatest = (): void => {
    const pid = launched.at(-1)?.worker.pid;
    assert.ok(pid !== undefined);
    process.kill(pid, 'SIGKILL');
  };
  supervisor.start(workerConfig());
  await log.next('running');

  killLatest();
  assert.equal((await log.next('restarting')).attempt, 1);
  clock.advance(500);
  await log.next('running');
  killLatest();
  assert.equal((await log.next('restarting')).retryInMs, 1_000);
  clock.advance(1_000);
  await log.next('running');
  clock.advance(60_000);
  killLatest();

  const restarting = await log.next('restarting');
  assert.equal(restarting.attempt, 1);
  assert.equal(restarting.retryInMs, 500);
});

test('five crashes in a row leave the supervisor failed, with the last error', async (t) => {
  const { supervisor, clock, log, launched } = superviseRealWorker(t, CRASHING);
  supervisor.start(workerConfig({ port: 8123 }));

  const delays: number[] = [];
  for (let crash = 1; crash < 5; crash++) {
    const restarting = await log.next('restarting');
    assert.equal(restarting.attempt, crash);
    assert.equal(restarting.lastError, 'exited with code 1');
    delays.push(restarting.retryInMs);
    clock.advance(restarting.retryInMs);
  }
  const failed = await log.next('failed');

  assert.deepEqual(delays, [500, 1_000, 2_000, 4_000]);
  assert.equal(launched.length, 5);
  assert.equal(failed.code, 'WORKER_CRASHED');
  assert.equal(failed.port, 8123);
  assert.match(failed.reason, /5 times.*exited with code 1/);
  assert.deepEqual(clock.pending(), []);
});

test('a port in use fails with PORT_IN_USE and the port, without restarting', async (t) => {
  const port = await occupyPort(t);
  const { supervisor, clock, log, launched } = superviseRealWorker(t);

  supervisor.start(workerConfig({ port }));

  const failed = await log.next('failed');
  assert.equal(failed.code, 'PORT_IN_USE');
  assert.equal(failed.port, port);
  assert.match(failed.reason, new RegExp(`\\b${port}\\b`));
  // The worker is asked to stop and leaves; the failure stays on show and nothing restarts.
  assert.equal((await launched[0]?.exited())?.code, 0);
  assert.equal(supervisor.status.kind, 'failed');
  assert.equal(launched.length, 1);
  assert.deepEqual(clock.pending(), []);
  assert.ok(log.seen.every((status) => status.kind !== 'restarting'));
});

test('quit stops the worker within 3 s and no later start runs', async (t) => {
  const { supervisor, log, launched } = superviseRealWorker(t);
  supervisor.start(workerConfig());
  await log.next('running');
  const pid = launched[0]?.worker.pid;

  await withGuard(supervisor.close(), 'the worker to stop on quit', 3_000);

  assert.equal(isAlive(pid), false);
  supervisor.start(workerConfig());
  assert.equal(supervisor.status.kind, 'stopped');
  assert.equal(launched.length, 1);
});

test('a worker that ignores stop is killed when the 3 s grace is over', async (t) => {
  const { supervisor, clock, log, launched } = superviseRealWorker(t, STUBBORN);
  const problems: WorkerProblem[] = [];
  let ignored: (() => void) | undefined;
  supervisor.onProblem((problem) => {
    problems.push(problem);
    if (problem.message === 'stop ignored') ignored?.();
  });
  supervisor.start(workerConfig());
  await log.next('running');
  const pid = launched[0]?.worker.pid;
  const stopIgnored = new Promise<void>((resolve) => (ignored = resolve));

  const stopped = supervisor.stop();
  const isStopped = settledFlag(stopped);

  await withGuard(stopIgnored, 'the stubborn worker to ignore stop');
  assert.equal(supervisor.status.kind, 'stopping');
  assert.deepEqual(clock.pending(), [3_000]);
  clock.advance(2_999);
  assert.equal(isAlive(pid), true);
  assert.equal(isStopped(), false);
  clock.advance(1);
  await stopped;
  assert.equal(supervisor.status.kind, 'stopped');
  assert.deepEqual(await launched[0]?.exited(), { code: null, reason: 'killed by SIGKILL' });
  assert.equal(isAlive(pid), false);
});

test('a reload the worker cannot apply is reported and the proxy keeps running', async (t) => {
  const { supervisor, log } = superviseRealWorker(t);
  const problem = new Promise<WorkerProblem>((resolve) => supervisor.onProblem(resolve));
  supervisor.start(workerConfig());
  const running = await log.next('running');

  supervisor.reload(workerConfig({ upstreams: { anthropic: 'not a url' } }));

  const reported = await withGuard(problem, 'the rejected reload');
  assert.equal(reported.code, 'CONFIG_INVALID');
  assert.deepEqual(supervisor.status, running);
});

test('reload passes the config to a running worker and to every later start', (t) => {
  const { launcher, workers, nth } = fakeLauncher();
  const { supervisor } = superviseForTest(t, { launcher });
  supervisor.reload(workerConfig({ port: 1 }));
  assert.equal(workers.length, 0);

  supervisor.start(workerConfig({ port: 2 }));
  nth(0).emit({ type: 'listening', host: '127.0.0.1', port: 2 });
  supervisor.reload(workerConfig({ port: 3 }));

  assert.deepEqual(nth(0).sent, [
    { type: 'start', config: workerConfig({ port: 2 }) },
    { type: 'reload', config: workerConfig({ port: 3 }) },
  ]);
  // A reload that moves the listener reports where it listens now.
  nth(0).emit({ type: 'listening', host: '127.0.0.1', port: 3 });
  assert.deepEqual(supervisor.status, { kind: 'running', host: '127.0.0.1', port: 3 });
  nth(0).exit({ code: 1, reason: 'exited with code 1' });
  assert.equal(supervisor.status.kind, 'restarting');
});

test('a fatal worker error fails at once, stops the worker and never restarts it', (t) => {
  const { launcher, workers, nth } = fakeLauncher();
  const { supervisor, clock } = superviseForTest(t, { launcher });
  supervisor.start(workerConfig({ port: 8080 }));

  nth(0).emit({ type: 'error', code: 'CONFIG_INVALID', message: 'bad host', fatal: true });

  const failed = { kind: 'failed', code: 'CONFIG_INVALID', reason: 'bad host', port: 8080 };
  assert.deepEqual(supervisor.status, failed);
  assert.deepEqual(nth(0).sent.at(-1), { type: 'stop' });
  nth(0).exit({ code: 0, reason: 'exited with code 0' });
  assert.deepEqual(supervisor.status, failed);
  assert.deepEqual(clock.pending(), []);
  assert.equal(workers.length, 1);
});

test('start while stopping launches a new worker once the old one is gone', (t) => {
  const { launcher, workers, nth } = fakeLauncher();
  const { supervisor, log } = superviseForTest(t, { launcher });
  supervisor.start(workerConfig());
  nth(0).emit({ type: 'listening', host: '127.0.0.1', port: 5 });

  const stopped = supervisor.stop();
  supervisor.start(workerConfig({ port: 6 }));
  assert.equal(workers.length, 1);
  nth(0).exit({ code: 0, reason: 'exited with code 0' });

  assert.equal(workers.length, 2);
  assert.deepEqual(nth(1).sent, [{ type: 'start', config: workerConfig({ port: 6 }) }]);
  assert.deepEqual(
    log.seen.map((status) => status.kind),
    ['starting', 'running', 'stopping', 'starting'],
  );
  return stopped;
});

test('a listener that throws neither stops the others nor the state machine', (t) => {
  const warn = t.mock.method(process, 'emitWarning', () => undefined);
  const { launcher, nth } = fakeLauncher();
  const { supervisor } = superviseForTest(t, { launcher });
  const kinds: string[] = [];
  supervisor.onStatus(() => {
    throw new Error('listener bug');
  });
  supervisor.onStatus((status) => kinds.push(status.kind));

  supervisor.start(workerConfig());
  nth(0).emit({ type: 'listening', host: '127.0.0.1', port: 7 });

  assert.deepEqual(kinds, ['starting', 'running']);
  assert.equal(supervisor.status.kind, 'running');
  assert.equal(warn.mock.callCount(), 2);
});

test('every start seeds the worker with the token totals asked for at that moment', (t) => {
  const { launcher, nth } = fakeLauncher();
  let seed: unknown = { version: 1, days: { '2025-06-12': 'first' } };
  const { supervisor, clock } = superviseForTest(t, { launcher, usage: () => seed });
  supervisor.start(workerConfig({ port: 2 }));
  assert.deepEqual(nth(0).sent, [
    { type: 'start', config: workerConfig({ port: 2 }), usage: seed },
  ]);

  // After a crash, the restarted worker carries on from the latest totals, not the first ones.
  nth(0).emit({ type: 'listening', host: '127.0.0.1', port: 2 });
  seed = { version: 1, days: { '2025-06-12': 'later' } };
  nth(0).exit({ code: 1, reason: 'exited with code 1' });
  clock.advance(500);
  assert.deepEqual(nth(1).sent, [
    {
      type: 'start',
      config: workerConfig({ port: 2 }),
      usage: { version: 1, days: { '2025-06-12': 'later' } },
    },
  ]);
});

test('a malformed snapshot is dropped with one log line; a valid one reaches the listeners', (t) => {
  const { launcher, nth } = fakeLauncher();
  const lines: string[] = [];
  const { supervisor } = superviseForTest(t, { launcher, log: (line) => lines.push(line) });
  const snapshots: StatsSnapshot[] = [];
  supervisor.onStats((snapshot) => snapshots.push(snapshot));
  supervisor.start(workerConfig());
  nth(0).emit({ type: 'listening', host: '127.0.0.1', port: 7 });

  const valid = createStats(() => 1_000).snapshot();
  // The same fault every 250 ms is logged once; a different one gets its own line.
  nth(0).emitRaw({ type: 'stats', snapshot: { ...valid, active: -1 } });
  nth(0).emitRaw({ type: 'stats', snapshot: { ...valid, recent: 'none' } });
  assert.deepEqual(snapshots, []);
  assert.deepEqual(lines, [
    'memex supervisor: dropped a message from worker 1000: stats with a malformed snapshot',
  ]);
  nth(0).emitRaw({ type: 'listening', port: 8 });
  assert.equal(lines.length, 2);
  assert.match(lines[1] ?? '', /listening without a host and port$/);
  assert.deepEqual(supervisor.status, { kind: 'running', host: '127.0.0.1', port: 7 });

  nth(0).emit({ type: 'stats', snapshot: valid });
  assert.deepEqual(snapshots, [valid]);
  assert.equal(lines.length, 2);
});

test('an error code the union does not know is reported as WORKER_ERROR', (t) => {
  const { launcher, nth } = fakeLauncher();
  const { supervisor } = superviseForTest(t, { launcher, log: () => undefined });
  const problems: WorkerProblem[] = [];
  supervisor.onProblem((problem) => problems.push(problem));
  supervisor.start(workerConfig());
  // A worker of another version may send a code this one does not know.
  nth(0).emitRaw({ type: 'error', code: 'EMFILE', message: 'too many open files', fatal: false });
  assert.deepEqual(problems, [{ code: 'WORKER_ERROR', message: 'too many open files' }]);
});
