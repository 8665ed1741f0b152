// memex-proxy as a separate process (the built CLI), for tests that measure the process itself:
// started on port 0, ready once it prints its listening line, killed by PID when the test ends.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

const CLI = fileURLToPath(new URL('../../bin/memex-proxy.cjs', import.meta.url));

export interface ProxyProcess {
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Peak resident set size (VmHWM) when it started listening, in bytes. Linux only. */
  readonly startRss: number;
  /** Peak resident set size so far (VmHWM), in bytes. Linux only. */
  peakRss(): Promise<number>;
  /** Resolves with the exit code and signal once the process has exited. */
  readonly exited: Promise<readonly [number | null, NodeJS.Signals | null]>;
}

/** Spawns `node dist/bin/memex-proxy.cjs --port 0 ...args` (with `env`) and waits until it listens. */
export async function startProxyProcess(
  t: TestContext,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [CLI, '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn memex-proxy');
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(pid, 'SIGKILL');
      await exited;
    }
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout += text;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', (code, signal) => {
      reject(
        new Error(
          `memex-proxy exited (${String(code ?? signal)}) before listening\n${stdout}${stderr}`,
        ),
      );
    });
    child.once('error', reject);
  });
  const peakRss = (): Promise<number> => readPeakRss(pid);
  return {
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    startRss: await peakRss(),
    peakRss,
    exited: exited as Promise<[number | null, NodeJS.Signals | null]>,
  };
}

async function readPeakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb) * 1024;
}
