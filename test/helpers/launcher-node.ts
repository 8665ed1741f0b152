// Launches the worker with node:child_process.fork and an IPC channel: how tests run the very
// worker the app runs under Electron's utilityProcess.

import { fork } from 'node:child_process';
import type { Launcher, WorkerExit } from '../../main/launcher.js';

/** A Launcher that forks `entry` under this Node binary; stdout and stderr are inherited. */
export const launchNode: Launcher = (entry, env) => {
  const child = fork(entry, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exitListeners: ((exit: WorkerExit) => void)[] = [];
  let exited: WorkerExit | undefined;
  const finish = (exit: WorkerExit): void => {
    if (exited !== undefined) return;
    exited = exit;
    for (const listener of exitListeners) listener(exit);
  };

  child.on('exit', (code, signal) => {
    finish({
      code,
      reason: signal === null ? `exited with code ${String(code)}` : `killed by ${signal}`,
    });
  });
  // Node emits 'error' when the process could not be spawned (then 'exit' may never come), or
  // could not be signalled; a failed send goes to its callback below instead.
  child.on('error', (err) => {
    if (child.pid === undefined) finish({ code: null, reason: `could not start: ${err.message}` });
  });

  return {
    get pid() {
      return child.pid;
    },
    send(message) {
      if (!child.connected) return;
      // The callback receives ERR_IPC_CHANNEL_CLOSED if the child is going away; its exit says
      // all there is to say.
      child.send(message, (_err: Error | null) => undefined);
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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
