// Running a system tool (lsof, ps, PowerShell, netstat, tasklist) for the origin lookup: bounded
// in time and output, never through a shell.

import { execFile } from 'node:child_process';

/** How long one tool may run before it is killed and its answer given up. */
export const COMMAND_TIMEOUT_MS = 1_500;

/** The most output read from one tool. */
export const COMMAND_MAX_BYTES = 4 * 1024 * 1024;

export interface CommandResult {
  readonly stdout: string;
  /** The exit code; lsof exits 1 when nothing matched, and its output is still an answer. */
  readonly code: number;
}

/** Runs a tool; a tool that cannot start, is killed or prints too much rejects. */
export type RunCommand = (file: string, args: readonly string[]) => Promise<CommandResult>;

export const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: COMMAND_TIMEOUT_MS, maxBuffer: COMMAND_MAX_BYTES, windowsHide: true },
      (error, stdout) => {
        if (error === null) resolve({ stdout, code: 0 });
        else if (typeof error.code === 'number' && error.killed !== true) {
          resolve({ stdout, code: error.code });
        } else reject(new Error(`${file} did not answer`, { cause: error }));
      },
    );
  });
