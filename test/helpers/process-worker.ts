// The real proxy worker (dist/bin/proxy-worker.cjs) under child_process.fork, with an inbox of
// the messages it sends: tests wait on messages, never on the clock.

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { WorkerMessage } from '../../proxy-core/entry/protocol.js';
import { killIfRunning, withGuard, type Exit } from './process-spawn.js';

const WORKER = fileURLToPath(new URL('../../bin/proxy-worker.cjs', import.meta.url));

type Of<T extends WorkerMessage['type']> = Extract<WorkerMessage, { type: T }>;

export interface Worker {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  /** Every message received so far, in order. */
  readonly received: readonly WorkerMessage[];
  /** Sends any value (well-formed or not) over the IPC channel. */
  send(message: unknown): Promise<void>;
  /**
   * Resolves with the next message of `type` that satisfies `accept`; messages before it are
   * consumed. Fails if the worker exits first.
   */
  next<T extends WorkerMessage['type']>(
    type: T,
    accept?: (message: Of<T>) => boolean,
  ): Promise<Of<T>>;
  /** Fails if a message of `type` arrives within `windowMs`; the window is the only wait. */
  expectSilence(type: WorkerMessage['type'], windowMs: number): Promise<void>;
  stderr(): string;
}

/**
 * Forks the worker entry with an IPC channel (and Node flags `execArgv`); killed (by PID) when
 * the test ends.
 */
export function forkWorker(t: TestContext, execArgv: readonly string[] = []): Worker {
  const child = fork(WORKER, [], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    execArgv: [...process.execArgv, ...execArgv],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not fork the worker');
  t.after(() => {
    killIfRunning(child, pid);
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });

  const received: WorkerMessage[] = [];
  const queue: WorkerMessage[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (message: WorkerMessage) => {
    received.push(message);
    queue.push(message);
    wake?.();
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  exited.catch(ignore);
  let gone = false;
  void exited.then(() => {
    gone = true;
    wake?.();
  }, ignore);

  // Resolves on the next arrival (or exit); only one wait at a time, as tests are sequential.
  const arrival = (): Promise<void> =>
    new Promise((resolve) => {
      wake = () => {
        wake = undefined;
        resolve();
      };
    });

  return {
    child,
    pid,
    exited,
    received,
    send(message) {
      return new Promise((resolve, reject) => {
        child.send(message as object, (err) => {
          if (err === null) resolve();
          else reject(err);
        });
      });
    },
    next(type, accept = () => true) {
      const wait = async (): Promise<Of<typeof type>> => {
        for (;;) {
          while (queue.length > 0) {
            const message = queue.shift() as WorkerMessage;
            if (message.type === type && accept(message as Of<typeof type>)) {
              return message as Of<typeof type>;
            }
          }
          if (gone) {
            throw new Error(
              `worker exited before sending the awaited "${type}" message; ` +
                `received ${JSON.stringify(received)}; stderr: ${stderr}`,
            );
          }
          await arrival();
        }
      };
      return withGuard(
        wait(),
        `a "${type}" message from the worker; got ${JSON.stringify(received)}`,
      );
    },
    async expectSilence(type, windowMs) {
      const pending = queue.find((message) => message.type === type);
      if (pending !== undefined) throw new Error(`unexpected message ${JSON.stringify(pending)}`);
      let timer: NodeJS.Timeout | undefined;
      const windowEnded = new Promise<'silent'>((resolve) => {
        timer = setTimeout(() => {
          resolve('silent');
        }, windowMs);
      });
      for (;;) {
        const outcome = await Promise.race([windowEnded, arrival().then(() => 'arrived' as const)]);
        if (outcome === 'silent') {
          wake = undefined;
          return;
        }
        const arrived = queue.find((message) => message.type === type);
        if (arrived !== undefined) {
          clearTimeout(timer);
          throw new Error(`unexpected message within ${windowMs} ms: ${JSON.stringify(arrived)}`);
        }
      }
    },
    stderr: () => stderr,
  };
}

function ignore(): void {
  return;
}
