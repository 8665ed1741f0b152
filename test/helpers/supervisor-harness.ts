// A harness for supervisor tests: a clock the test moves by hand, a log of status changes to wait
// on, launchers that remember every worker they started (killed by PID when the test ends), and
// an in-memory worker for state-machine cases that need no real process.

import type { TestContext } from 'node:test';
import type { Launcher, WorkerExit, WorkerProcess } from '../../main/launcher.js';
import type { ProxyStatus } from '../../shared/status.js';
import type { Clock } from '../../main/clock.js';
import {
  createSupervisor,
  type Supervisor,
  type SupervisorOptions,
} from '../../main/supervisor.js';
import { DEFAULT_CONFIG, type Config } from '../../proxy-core/config/config.js';
import type { MainMessage, WorkerMessage } from '../../proxy-core/entry/protocol.js';
import { withGuard } from './process-spawn.js';

/** A proxy config on 127.0.0.1 port 0 with `overrides`. */
export function workerConfig(overrides: Partial<Config> = {}): Config {
  return { ...DEFAULT_CONFIG, host: '127.0.0.1', port: 0, ...overrides };
}

export interface FakeClock extends Clock {
  /** Delays of the timers still pending, in the order they were set. */
  pending(): number[];
  /** Moves time forward by `ms`, running each timer that falls due, earliest first. */
  advance(ms: number): void;
}

export function createFakeClock(): FakeClock {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; ms: number; callback: () => void }>();
  return {
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, ms, callback });
      return id;
    },
    clearTimeout(handle) {
      if (typeof handle === 'number') timers.delete(handle);
    },
    now: () => now,
    pending: () => [...timers.values()].map((timer) => timer.ms),
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= until && (due === undefined || entry[1].at < due[1].at)) due = entry;
        }
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = until;
    },
  };
}

type StatusOf<K extends ProxyStatus['kind']> = Extract<ProxyStatus, { kind: K }>;

export interface StatusLog {
  /** Every status the supervisor has entered since the log was attached, in order. */
  readonly seen: readonly ProxyStatus[];
  /** Resolves with the next status of `kind` not yet consumed; earlier ones are consumed. */
  next<K extends ProxyStatus['kind']>(kind: K): Promise<StatusOf<K>>;
}

export function watchStatus(supervisor: Supervisor): StatusLog {
  const seen: ProxyStatus[] = [];
  let cursor = 0;
  let waiter: { kind: ProxyStatus['kind']; resolve: (status: ProxyStatus) => void } | undefined;
  const check = (): void => {
    if (waiter === undefined) return;
    for (; cursor < seen.length; cursor++) {
      const status = seen[cursor];
      if (status?.kind === waiter.kind) {
        cursor++;
        const { resolve } = waiter;
        waiter = undefined;
        resolve(status);
        return;
      }
    }
  };
  supervisor.onStatus((status) => {
    seen.push(status);
    check();
  });
  return {
    seen,
    next<K extends ProxyStatus['kind']>(kind: K) {
      const found = new Promise<StatusOf<K>>((resolve) => {
        waiter = { kind, resolve: resolve as (status: ProxyStatus) => void };
        check();
      });
      return withGuard(found, `status "${kind}"; seen ${JSON.stringify(seen)}`);
    },
  };
}

/** A worker a recording launcher started. */
export interface Launched {
  readonly entry: string;
  readonly env: Record<string, string>;
  readonly worker: WorkerProcess;
  /** Resolves with how the worker ended; fails the test if that takes longer than GUARD_MS. */
  exited(): Promise<WorkerExit>;
}

/** Wraps `launcher` to remember every worker; each is killed when the test ends. */
export function recordLaunches(
  t: TestContext,
  launcher: Launcher,
): { launcher: Launcher; launched: Launched[] } {
  const launched: Launched[] = [];
  const recording: Launcher = (entry, env) => {
    const worker = launcher(entry, env);
    const exited = new Promise<WorkerExit>((resolve) => {
      worker.onExit(resolve);
    });
    launched.push({
      entry,
      env,
      worker,
      exited: () => withGuard(exited, `worker ${String(worker.pid)} to exit`),
    });
    t.after(() => {
      worker.kill();
    });
    return worker;
  };
  return { launcher: recording, launched };
}

/** A supervisor on a fake clock with its status log; closed when the test ends. */
export function superviseForTest(
  t: TestContext,
  options: Omit<SupervisorOptions, 'clock'>,
): { supervisor: Supervisor; clock: FakeClock; log: StatusLog } {
  const clock = createFakeClock();
  const supervisor = createSupervisor({ ...options, clock });
  const log = watchStatus(supervisor);
  // Not awaited: a worker that ignores stop is killed by the launch recorder instead.
  t.after(() => {
    void supervisor.close();
  });
  return { supervisor, clock, log };
}

/** An in-memory worker: records what it is sent; the test makes it speak and exit. */
export interface FakeWorker extends WorkerProcess {
  readonly sent: MainMessage[];
  readonly killed: boolean;
  emit(message: WorkerMessage): void;
  /** Sends anything at all, as a broken worker might. */
  emitRaw(value: unknown): void;
  exit(exit: WorkerExit): void;
}

export function fakeLauncher(): {
  launcher: Launcher;
  workers: FakeWorker[];
  /** The `index`-th worker launched (0 for the first); throws if there is none yet. */
  readonly nth: (index: number) => FakeWorker;
} {
  const workers: FakeWorker[] = [];
  const launcher: Launcher = () => {
    const messageListeners: ((message: unknown) => void)[] = [];
    const exitListeners: ((exit: WorkerExit) => void)[] = [];
    let killed = false;
    const worker: FakeWorker = {
      pid: 1_000 + workers.length,
      sent: [],
      get killed() {
        return killed;
      },
      send(message) {
        worker.sent.push(message);
      },
      kill() {
        killed = true;
      },
      onMessage(listener) {
        messageListeners.push(listener);
      },
      onExit(listener) {
        exitListeners.push(listener);
      },
      emit(message) {
        worker.emitRaw(message);
      },
      emitRaw(value) {
        for (const listener of messageListeners) listener(value);
      },
      exit(exit) {
        for (const listener of exitListeners) listener(exit);
      },
    };
    workers.push(worker);
    return worker;
  };
  const nth = (index: number): FakeWorker => {
    const worker = workers[index];
    if (worker === undefined) throw new Error(`only ${workers.length} workers were launched`);
    return worker;
  };
  return { launcher, workers, nth };
}
