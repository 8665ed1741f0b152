// Real child processes for tests: spawn one, watch its output line by line, wait for its exit,
// and kill it by PID when the test ends. Every wait is on an event, with a generous upper bound
// only so that a broken build fails the test instead of hanging it.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';

/** How long a wait may take before the test fails; a guard, never a pacing delay. */
export const GUARD_MS = 10_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A spawned process and what it has printed so far. */
export interface Spawned {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited and its output streams have closed. */
  readonly exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  stdoutBytes(): Buffer;
  /**
   * Resolves with the `occurrence`-th (default first) stdout/stderr line matching `pattern`,
   * counting lines already printed.
   */
  line(stream: 'stdout' | 'stderr', pattern: RegExp, occurrence?: number): Promise<string>;
}

/** Spawns `file args` with piped output; killed (by PID) when the test ends if still running. */
export function spawnProcess(
  t: TestContext,
  file: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Spawned {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${file}`);
  t.after(() => {
    killIfRunning(child, pid);
  });
  const out = collect(child.stdout);
  const err = collect(child.stderr);
  // 'close' comes after both output streams have ended, so all output has been collected.
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  // A process that fails to start rejects `exited`; keep that rejection from going unhandled
  // when a test awaits something else first.
  exited.catch(ignore);

  return {
    child,
    pid,
    exited,
    stdout: () => out.bytes().toString('utf8'),
    stderr: () => err.bytes().toString('utf8'),
    stdoutBytes: () => out.bytes(),
    line(stream, pattern, occurrence = 1) {
      const source = stream === 'stdout' ? out : err;
      return withGuard(
        new Promise<string>((resolve, reject) => {
          source.onLine(pattern, occurrence, resolve);
          void exited.then(() => {
            reject(
              new Error(
                `process ${pid} exited before printing ${String(pattern)} on ${stream}\n` +
                  `stdout: ${out.bytes().toString()}\nstderr: ${err.bytes().toString()}`,
              ),
            );
          }, reject);
        }),
        `a ${stream} line matching ${String(pattern)} from process ${pid}`,
      );
    },
  };
}

/** Runs a process to its end; resolves with its exit and everything it printed. */
export async function runToExit(
  t: TestContext,
  file: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<Exit & { stdout: Buffer; stderr: string }> {
  const spawned = spawnProcess(t, file, args, options);
  const exit = await withGuard(spawned.exited, `process ${spawned.pid} (${file}) to exit`);
  return { ...exit, stdout: spawned.stdoutBytes(), stderr: spawned.stderr() };
}

/** Sends SIGKILL to a child by its PID unless it has already exited. */
export function killIfRunning(child: ChildProcess, pid: number): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // ESRCH: it exited between the check and the kill.
  }
}

/** Rejects with a message naming what was awaited if `promise` takes longer than GUARD_MS. */
export function withGuard<T>(promise: Promise<T>, what: string, ms = GUARD_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
  });
  return Promise.race([promise, guard]).finally(() => {
    clearTimeout(timer);
  });
}

interface Collected {
  bytes(): Buffer;
  onLine(pattern: RegExp, occurrence: number, listener: (line: string) => void): void;
}

function collect(stream: Readable | null): Collected {
  if (stream === null) throw new Error('expected a piped stream');
  const chunks: Buffer[] = [];
  const waiters: { pattern: RegExp; left: number; listener: (line: string) => void }[] = [];
  const lines: string[] = [];
  let partial = '';
  const check = (line: string): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i];
      if (waiter?.pattern.test(line) === true && --waiter.left === 0) {
        waiters.splice(i, 1);
        waiter.listener(line);
      }
    }
  };
  stream.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      check(line);
    }
  });
  return {
    bytes: () => Buffer.concat(chunks),
    onLine(pattern, occurrence, listener) {
      const seen = lines.filter((line) => pattern.test(line));
      const found = seen[occurrence - 1];
      if (found !== undefined) listener(found);
      else waiters.push({ pattern, left: occurrence - seen.length, listener });
    },
  };
}

function ignore(): void {
  return;
}
