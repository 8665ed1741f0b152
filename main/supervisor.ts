// Runs the proxy worker and keeps it running: forks it through a Launcher, follows its messages,
// restarts it with backoff when it dies unexpectedly, gives up after a run of crashes, and stops
// it softly (a stop message) then hard (kill) after a grace period. Its state is the ProxyStatus
// the tray renders.
//
//   stopped ─start→ starting ─listening→ running ─stop→ stopping ─exit→ stopped
//   starting/running ─unexpected exit→ restarting ─backoff→ starting   (5th crash in a row → failed)
//   starting/running ─fatal error (PORT_IN_USE, CONFIG_INVALID…)→ failed (worker asked to stop)

import { fileURLToPath } from 'node:url';
import type { Config } from '../proxy-core/config/config.js';
import {
  isWorkerMessageProblem,
  parseWorkerMessage,
  type HistoryCall,
} from '../proxy-core/entry/protocol.js';
import type { StatsSnapshot } from '../shared/snapshot.js';
import { systemClock, type Clock } from './clock.js';
import { toWorkerEnv, type Launcher, type WorkerExit, type WorkerProcess } from './launcher.js';
import { HEALTHY_MS, MAX_CRASHES, restartDelay } from './restart-policy.js';
import type { ProxyStatus, WorkerErrorCode } from '../shared/status.js';

/** The compiled worker entry, next to this module in dist/. */
export const WORKER_ENTRY = fileURLToPath(new URL('../bin/proxy-worker.cjs', import.meta.url));

/** How long a worker has to exit after a stop message before it is killed. */
export const STOP_GRACE_MS = 3_000;

export interface SupervisorOptions {
  readonly launcher: Launcher;
  /** The worker script. Default WORKER_ENTRY. */
  readonly entry?: string;
  /** Environment the worker's is made from (proxy variables removed). Default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
  /** Default STOP_GRACE_MS. */
  readonly stopGraceMs?: number;
  /**
   * The token totals each worker starts with (the 'start' message's `usage`), asked for at every
   * launch, restarts after a crash included, so today's totals carry on. Default: none.
   */
  readonly usage?: () => unknown;
  /**
   * Where a message from the worker that does not parse is reported, one line per kind of fault
   * and worker (stderr in the app). Default: a process warning.
   */
  readonly log?: (message: string) => void;
}

/** A non-fatal problem the worker reported, such as a reload it could not apply. */
export interface WorkerProblem {
  readonly code: WorkerErrorCode;
  readonly message: string;
}

/** What Electron's app 'child-process-gone' event says about the worker (Electron's Details). */
export interface ChildGone {
  readonly reason: string;
  readonly exitCode: number;
}

export interface Supervisor {
  readonly status: ProxyStatus;
  /**
   * Starts a worker with `config`: from stopped or failed, a fresh run; from restarting, now
   * instead of after the backoff; while stopping, as soon as the old worker is gone. Ignored while
   * starting or running (use reload) and after close().
   */
  start(config: Config): void;
  /** Sends `config` to a live worker, and uses it for every later (re)start. */
  reload(config: Config): void;
  /** Asks the worker to stop, kills it after the grace period; resolves once it is gone. */
  stop(): Promise<void>;
  /** stop(), for good: later starts are ignored. For app quit. */
  close(): Promise<void>;
  /** Feeds Electron's 'child-process-gone' details in, for a better crash reason. */
  childGone(details: ChildGone): void;
  /**
   * Asks the running worker's history (the worker owns the file); resolves with its answer,
   * unparsed, or rejects with why (no worker running, history off, the file unreadable).
   */
  history(call: HistoryCall): Promise<unknown>;
  /** Each returns a function that removes the listener. */
  onStatus(listener: (status: ProxyStatus) => void): () => void;
  onStats(listener: (snapshot: StatsSnapshot) => void): () => void;
  onProblem(listener: (problem: WorkerProblem) => void): () => void;
}

/** One launched worker and what the supervisor knows about it. */
interface Child {
  readonly process: WorkerProcess;
  /** Set once the supervisor has asked it to stop: its exit is then not a crash. */
  stopRequested: boolean;
  /** When it reported listening (clock time), for the healthy-run reset. */
  runningSince: number | undefined;
  goneReason: string | undefined;
  graceTimer: unknown;
  /** The faults of its messages already logged: a bad snapshot would repeat every 250 ms. */
  readonly faults: Set<string>;
  /** History calls waiting for their reply, by id. */
  readonly calls: Map<number, { resolve(value: unknown): void; reject(err: Error): void }>;
  readonly gone: Promise<void>;
  markGone: () => void;
}

/** Creates a supervisor in state `stopped`; nothing is launched until start(). */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const clock = options.clock ?? systemClock;
  const entry = options.entry ?? WORKER_ENTRY;
  const graceMs = options.stopGraceMs ?? STOP_GRACE_MS;
  const log =
    options.log ??
    ((message: string): void => {
      process.emitWarning(message);
    });
  const statusListeners = new Set<(status: ProxyStatus) => void>();
  const statsListeners = new Set<(snapshot: StatsSnapshot) => void>();
  const problemListeners = new Set<(problem: WorkerProblem) => void>();

  let status: ProxyStatus = { kind: 'stopped' };
  let config: Config | undefined;
  let current: Child | undefined;
  let crashes = 0;
  let restartTimer: unknown;
  let pendingStart = false;
  let closed = false;
  let nextCall = 0;

  const setStatus = (next: ProxyStatus): void => {
    status = next;
    notify(statusListeners, next);
  };

  const launch = (): void => {
    if (config === undefined || closed) return;
    setStatus({ kind: 'starting' });
    let worker: WorkerProcess;
    try {
      worker = options.launcher(entry, toWorkerEnv(options.env ?? process.env));
    } catch (err) {
      // utilityProcess.fork throws on bad options or before app 'ready': a crash like any other.
      crashed({ code: null, reason: `could not start: ${String(err)}` });
      return;
    }
    let markGone = (): void => undefined;
    const gone = new Promise<void>((resolve) => {
      markGone = resolve;
    });
    const child: Child = {
      process: worker,
      stopRequested: false,
      runningSince: undefined,
      goneReason: undefined,
      graceTimer: undefined,
      faults: new Set(),
      calls: new Map(),
      gone,
      markGone,
    };
    current = child;
    worker.onMessage((message) => {
      handleMessage(child, message);
    });
    worker.onExit((exit) => {
      handleExit(child, exit);
    });
    const usage = options.usage?.();
    worker.send(usage === undefined ? { type: 'start', config } : { type: 'start', config, usage });
  };

  const handleMessage = (child: Child, value: unknown): void => {
    const message = parseWorkerMessage(value);
    if (isWorkerMessageProblem(message)) {
      // Dropped, never half-used; the worker is not restarted over it.
      if (!child.faults.has(message.reason)) {
        child.faults.add(message.reason);
        const pid = child.process.pid === undefined ? '' : ` ${String(child.process.pid)}`;
        log(`memex supervisor: dropped a message from worker${pid}: ${message.reason}`);
      }
      return;
    }
    switch (message.type) {
      case 'listening': {
        if (child !== current || child.stopRequested) return;
        child.runningSince ??= clock.now();
        const { host, port, secure } = message;
        setStatus(
          secure === true
            ? { kind: 'running', host, port, secure }
            : { kind: 'running', host, port },
        );
        return;
      }
      case 'stats':
        // The last snapshot, sent while stopping, still counts.
        notify(statsListeners, message.snapshot);
        return;
      case 'error': {
        const { code } = message;
        if (!message.fatal) {
          notify(problemListeners, { code, message: message.message });
          return;
        }
        if (child !== current || child.stopRequested) return;
        // The worker cannot run until the user acts: no restart loop, and it is told to stop.
        setStatus({ kind: 'failed', code, reason: message.message, ...portOf(config) });
        requestStop(child);
        return;
      }
      case 'history-reply': {
        const call = child.calls.get(message.id);
        child.calls.delete(message.id);
        if (message.problem !== undefined) call?.reject(new Error(message.problem));
        else call?.resolve(message.value);
        return;
      }
      case 'stopped':
        // The exit that follows is what counts.
        return;
    }
  };

  const handleExit = (child: Child, exit: WorkerExit): void => {
    clock.clearTimeout(child.graceTimer);
    child.markGone();
    for (const call of child.calls.values()) call.reject(new Error('the proxy stopped'));
    child.calls.clear();
    if (child !== current) return;
    current = undefined;
    if (!child.stopRequested) {
      const ranLong =
        child.runningSince !== undefined && clock.now() - child.runningSince >= HEALTHY_MS;
      if (ranLong) crashes = 0;
      crashed({ code: exit.code, reason: child.goneReason ?? exit.reason });
      return;
    }
    if (pendingStart && !closed) {
      pendingStart = false;
      crashes = 0;
      launch();
      return;
    }
    // A worker stopped after a fatal error leaves the failure showing.
    if (status.kind !== 'failed') setStatus({ kind: 'stopped' });
  };

  const crashed = (exit: WorkerExit): void => {
    crashes += 1;
    if (crashes >= MAX_CRASHES) {
      setStatus({
        kind: 'failed',
        code: 'WORKER_CRASHED',
        reason: `the proxy crashed ${crashes} times in a row; last: ${exit.reason}`,
        ...portOf(config),
      });
      return;
    }
    const retryInMs = restartDelay(crashes);
    setStatus({ kind: 'restarting', retryInMs, attempt: crashes, lastError: exit.reason });
    restartTimer = clock.setTimeout(() => {
      restartTimer = undefined;
      launch();
    }, retryInMs);
  };

  const requestStop = (child: Child): void => {
    if (child.stopRequested) return;
    child.stopRequested = true;
    child.process.send({ type: 'stop' });
    child.graceTimer = clock.setTimeout(() => {
      child.process.kill();
    }, graceMs);
  };

  const stop = (): Promise<void> => {
    pendingStart = false;
    clock.clearTimeout(restartTimer);
    restartTimer = undefined;
    const child = current;
    if (child === undefined) {
      if (status.kind !== 'stopped') setStatus({ kind: 'stopped' });
      return Promise.resolve();
    }
    // Stopping clears a failure too: the user has seen it and chosen to stop.
    if (status.kind !== 'stopping') setStatus({ kind: 'stopping' });
    requestStop(child);
    return child.gone;
  };

  return {
    get status() {
      return status;
    },
    start(next) {
      if (closed) return;
      switch (status.kind) {
        case 'starting':
        case 'running':
          return;
        case 'stopping':
          config = next;
          pendingStart = true;
          return;
        case 'failed':
          config = next;
          crashes = 0;
          // After a fatal error the worker may still be on its way out.
          if (current !== undefined) pendingStart = true;
          else launch();
          return;
        case 'restarting':
          clock.clearTimeout(restartTimer);
          restartTimer = undefined;
          config = next;
          launch();
          return;
        case 'stopped':
          config = next;
          crashes = 0;
          launch();
          return;
      }
    },
    reload(next) {
      config = next;
      if (current !== undefined && !current.stopRequested) {
        current.process.send({ type: 'reload', config: next });
      }
    },
    stop,
    history(call) {
      const child = current;
      if (child === undefined || child.stopRequested || status.kind !== 'running') {
        return Promise.reject(new Error('history is available while the proxy runs'));
      }
      const id = nextCall++;
      return new Promise((resolve, reject) => {
        child.calls.set(id, { resolve, reject });
        child.process.send({ type: 'history', id, call });
      });
    },
    close() {
      closed = true;
      return stop();
    },
    childGone(details) {
      const reason = `${details.reason} (exit code ${details.exitCode})`;
      // Electron sends this before or after the child's own exit event, in either order.
      if (current !== undefined) {
        if (!current.stopRequested) current.goneReason = reason;
      } else if (status.kind === 'restarting') {
        setStatus({ ...status, lastError: reason });
      }
    },
    onStatus: (listener) => subscribe(statusListeners, listener),
    onStats: (listener) => subscribe(statsListeners, listener),
    onProblem: (listener) => subscribe(problemListeners, listener),
  };
}

function portOf(config: Config | undefined): { port?: number } {
  return config === undefined ? {} : { port: config.port };
}

function subscribe<T>(
  listeners: Set<(value: T) => void>,
  listener: (value: T) => void,
): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** Calls every listener; one that throws is reported as a warning and cannot break the others. */
function notify<T>(listeners: ReadonlySet<(value: T) => void>, value: T): void {
  for (const listener of listeners) {
    try {
      listener(value);
    } catch (err) {
      process.emitWarning(`memex supervisor: a listener threw: ${String(err)}`);
    }
  }
}
