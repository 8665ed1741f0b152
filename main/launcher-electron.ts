// Launches the worker in an Electron utility process. Electron's `utilityProcess` comes in as a
// parameter, so this module imports electron's types only: the app's entry file is the one place
// that imports electron as a value.

import type { Details, ForkOptions, UtilityProcess } from 'electron';
import type { Launcher, WorkerExit } from './launcher.js';

/**
 * The worker's process name: Electron reports it as `name` (not `serviceName`, which stays
 * 'node.mojom.NodeService') in app.getAppMetrics() and in app's 'child-process-gone' details.
 */
export const SERVICE_NAME = 'memex-proxy';

/** The part of a forked UtilityProcess the launcher uses; Electron's class has all of it. */
export type UtilityChild = Pick<UtilityProcess, 'pid' | 'postMessage' | 'kill'> & {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'error', listener: (type: string, location: string, report: string) => void): unknown;
};

/** The part of Electron's `utilityProcess` module the launcher uses. */
export interface UtilityForker {
  fork(modulePath: string, args: string[], options: ForkOptions): UtilityChild;
}

/**
 * A Launcher over Electron's `utilityProcess` (pass the module itself; fork works only after the
 * app's 'ready' event). The worker's stdout and stderr go to the app's, as with Electron's default.
 */
export function toElectronLauncher(utilityProcess: UtilityForker): Launcher {
  return (entry, env) => {
    const child = utilityProcess.fork(entry, [], {
      serviceName: SERVICE_NAME,
      env,
      stdio: 'inherit',
    });
    const exitListeners: ((exit: WorkerExit) => void)[] = [];
    let exited: WorkerExit | undefined;
    let fatal: string | undefined;
    // 'error' is a V8 fatal error; Electron emits 'exit' after it whether or not anyone listens.
    child.on('error', (type, location) => {
      fatal = `${type} at ${location}`;
    });
    // The code is not to be trusted: kill() reports 0 (electron/electron#44726), and a crash has
    // been seen to report 0 as well (electron/electron#42283). The supervisor knows which exits
    // it asked for; every other one is a crash.
    child.on('exit', (code) => {
      exited = { code, reason: fatal ?? `exited with code ${code}` };
      for (const listener of exitListeners) listener(exited);
    });
    return {
      get pid() {
        return child.pid;
      },
      send(message) {
        // A no-op once the process has exited (Electron drops its handle at 'exit').
        child.postMessage(message);
      },
      kill() {
        // SIGTERM on POSIX, then Electron makes sure the process is reaped; false once exited.
        child.kill();
      },
      onMessage(listener) {
        child.on('message', listener);
      },
      onExit(listener) {
        if (exited === undefined) exitListeners.push(listener);
        else listener(exited);
      },
    };
  };
}

/**
 * Whether an app 'child-process-gone' event is about the worker, so the entry file can hand its
 * details to Supervisor.childGone: `app.on('child-process-gone', (_event, details) => { if
 * (isWorkerGone(details)) supervisor.childGone(details); })`.
 */
export function isWorkerGone(details: Pick<Details, 'type' | 'name'>): boolean {
  return details.type === 'Utility' && details.name === SERVICE_NAME;
}
