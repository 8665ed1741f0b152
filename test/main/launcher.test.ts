import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { ForkOptions, utilityProcess } from 'electron';
import {
  isWorkerGone,
  SERVICE_NAME,
  toElectronLauncher,
  type UtilityChild,
  type UtilityForker,
} from '../../main/launcher-electron.js';
import { toWorkerEnv, type Launcher } from '../../main/launcher.js';
import { superviseForTest, workerConfig } from '../helpers/supervisor-harness.js';

/** Electron's utilityProcess, faked for the part the launcher uses and typed against Electron's. */
function fakeUtilityProcess() {
  const forks: {
    modulePath: string;
    args: string[];
    options: ForkOptions;
    posted: unknown[];
    events: EventEmitter;
  }[] = [];
  const api = {
    fork(modulePath: string, args: string[], options: ForkOptions) {
      const events = new EventEmitter();
      const posted: unknown[] = [];
      let alive = true;
      events.on('exit', () => {
        alive = false;
      });
      const child = {
        pid: 4_200 + forks.length,
        postMessage(message: unknown) {
          if (alive) posted.push(message);
        },
        // As Electron since #44726: our own kill is reported as exit code 0.
        kill() {
          if (!alive) return false;
          queueMicrotask(() => events.emit('exit', 0));
          return true;
        },
        on(event: string, listener: (...args: never[]) => void) {
          events.on(event, listener as (...args: unknown[]) => void);
        },
      } satisfies UtilityChild;
      forks.push({ modulePath, args, options, posted, events });
      return child;
    },
  } satisfies UtilityForker;
  return { api, forks };
}

test('the worker environment drops proxy variables in any case and keeps the rest', () => {
  const cases: [name: string, kept: boolean][] = [
    ['HTTP_PROXY', false],
    ['http_proxy', false],
    ['HTTPS_PROXY', false],
    ['https_proxy', false],
    ['ALL_PROXY', false],
    ['all_proxy', false],
    ['NO_PROXY', false],
    ['no_proxy', false],
    ['Http_Proxy', false],
    ['NODE_USE_ENV_PROXY', false],
    ['PATH', true],
    ['HOME', true],
    ['MEMEX_PORT', true],
    ['HTTP_PROXY_USER', true],
    ['GRPC_PROXY', true],
  ];
  for (const [name, kept] of cases) {
    const env = toWorkerEnv({ [name]: 'value' });
    assert.deepEqual(env, kept ? { [name]: 'value' } : {}, name);
  }
  assert.deepEqual(toWorkerEnv({ UNSET: undefined, SET: '' }), { SET: '' });
});

test("toElectronLauncher takes Electron's own utilityProcess module", () => {
  // Checked by tsc: this file stops compiling if Electron's module no longer fits UtilityForker.
  const takesElectron: (api: typeof utilityProcess) => Launcher = toElectronLauncher;
  assert.equal(takesElectron, toElectronLauncher);
});

test('the electron launcher forks the worker as memex-proxy without proxy variables', (t) => {
  const electron = fakeUtilityProcess();
  const { supervisor, log } = superviseForTest(t, {
    launcher: toElectronLauncher(electron.api),
    entry: '/app/dist/proxy-core/worker.js',
    env: { PATH: '/usr/bin', HTTPS_PROXY: 'http://127.0.0.1:8080', no_proxy: 'localhost' },
  });

  supervisor.start(workerConfig());

  assert.equal(electron.forks.length, 1);
  const fork = electron.forks[0];
  assert.equal(fork?.modulePath, '/app/dist/proxy-core/worker.js');
  assert.deepEqual(fork.args, []);
  assert.deepEqual(fork.options, {
    serviceName: 'memex-proxy',
    env: { PATH: '/usr/bin' },
    stdio: 'inherit',
  });
  assert.deepEqual(fork.posted, [{ type: 'start', config: workerConfig() }]);
  fork.events.emit('message', { type: 'listening', host: '127.0.0.1', port: 8080 });
  assert.deepEqual(log.seen.at(-1), { kind: 'running', host: '127.0.0.1', port: 8080 });
});

test('under electron an exit code 0 after our kill is a stop, without it a crash', async (t) => {
  const electron = fakeUtilityProcess();
  const { supervisor, clock, log } = superviseForTest(t, {
    launcher: toElectronLauncher(electron.api),
  });
  supervisor.start(workerConfig());
  electron.forks[0]?.events.emit('message', { type: 'listening', host: '127.0.0.1', port: 1 });

  // Exit code 0 that nobody asked for: Electron has reported crashes so (electron#42283).
  electron.forks[0]?.events.emit('exit', 0);
  assert.deepEqual(await log.next('restarting'), {
    kind: 'restarting',
    retryInMs: 500,
    attempt: 1,
    lastError: 'exited with code 0',
  });
  supervisor.childGone({ reason: 'crashed', exitCode: 11 });
  assert.equal((await log.next('restarting')).lastError, 'crashed (exit code 11)');

  clock.advance(500);
  const second = electron.forks[1];
  second?.events.emit('message', { type: 'listening', host: '127.0.0.1', port: 1 });
  const stopped = supervisor.stop();
  assert.deepEqual(second?.posted.at(-1), { type: 'stop' });
  clock.advance(3_000);
  await stopped;
  assert.equal(supervisor.status.kind, 'stopped');
});

test('a V8 fatal error in the utility process becomes the crash reason', async (t) => {
  const electron = fakeUtilityProcess();
  const { supervisor, log } = superviseForTest(t, { launcher: toElectronLauncher(electron.api) });
  supervisor.start(workerConfig());

  electron.forks[0]?.events.emit('error', 'FatalError', 'v8::Heap', '{}');
  electron.forks[0]?.events.emit('exit', 133);

  assert.equal((await log.next('restarting')).lastError, 'FatalError at v8::Heap');
});

test('only the memex-proxy utility process counts as the worker in child-process-gone', () => {
  const cases: [type: string, name: string | undefined, ours: boolean][] = [
    ['Utility', SERVICE_NAME, true],
    ['Utility', 'Node Utility Process', false],
    ['Utility', undefined, false],
    ['GPU', SERVICE_NAME, false],
  ];
  for (const [type, name, ours] of cases) {
    const details = { type: type as 'Utility', ...(name === undefined ? {} : { name }) };
    assert.equal(isWorkerGone(details), ours, `${type} ${String(name)}`);
  }
});
