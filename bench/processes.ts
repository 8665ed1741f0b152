// The bench's child processes: spawned with node, ready once a listening line appears on stdout,
// memory read from /proc/PID/status, and every one killed by PID at the end (also on error).

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const READY_TIMEOUT_MS = 15_000;

export interface Child {
  readonly pid: number;
  readonly port: number;
  /** Milliseconds from spawn() to the listening line. */
  readonly spawnMs: number;
  readonly process: ChildProcess;
}

const live = new Map<number, ChildProcess>();

/** Spawns `node script ...args` and waits for a line matching `ready` (group 1 = the port). */
export function startChild(
  script: string,
  args: readonly string[],
  ready: RegExp,
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<Child> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...options,
  });
  const pid = child.pid;
  if (pid === undefined) return Promise.reject(new Error(`could not spawn ${script}`));
  live.set(pid, child);
  child.once('exit', () => live.delete(pid));
  let output = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    output = (output + text).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${script} not listening after ${READY_TIMEOUT_MS} ms\n${output}`));
    }, READY_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      output = (output + text).slice(-4000);
      const match = ready.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      const spawnMs = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ pid, port: Number(match[1]), spawnMs, process: child });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${String(code ?? signal)})\n${output}`));
    });
  });
}

/** Forks `script` with an IPC channel (the load client). */
export function forkChild(script: string): ChildProcess {
  const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not fork ${script}`);
  live.set(pid, child);
  child.once('exit', () => live.delete(pid));
  return child;
}

/** SIGKILLs one child by PID and waits for its exit. */
export async function stopChild(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(pid, 'SIGKILL');
  await exited;
}

/** Kills every child still alive, by PID; safe to call from an exit handler. */
export function stopAll(): void {
  for (const pid of live.keys()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

/** One field of /proc/PID/status in bytes (VmHWM = peak RSS, VmRSS = current); NaN off Linux. */
export function readMemory(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1];
    return kb === undefined ? NaN : Number(kb) * 1024;
  } catch {
    return NaN;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0: "5" > clear_refs); false if not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
