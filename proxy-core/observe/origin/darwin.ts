// macOS: the owner of a connection's client end, from lsof (there is no /proc). One lsof run
// lists every established socket on memex's ports; the client end is the one named
// `client->memex`. Describing a process costs one more lsof (its cwd) and, for an
// interpreter, one ps (its arguments).

import type { Connection } from './address.js';
import { runCommand, type RunCommand } from './command.js';
import { parseLsof, toSocketKey } from './lsof.js';
import { isInterpreter, parseCommand } from './name.js';
import type { OriginSource, Owner, ProcessInfo } from './source.js';

/**
 * The lsof arguments that list established TCP sockets with an end on any of `ports`, as
 * fields: pid, command, name (`-n -P`: numbers, no DNS or service names).
 */
export function toLsofArgs(ports: readonly number[]): string[] {
  return ['-nP', ...ports.map((port) => `-iTCP:${port}`), '-sTCP:ESTABLISHED', '-Fpcn'];
}

export function createDarwinSource(run: RunCommand = runCommand): OriginSource {
  return {
    async scan(connections: readonly Connection[]) {
      const ports = [...new Set(connections.map((connection) => connection.proxyPort))];
      const result = await run('lsof', toLsofArgs(ports)).catch(() => null);
      const owners = new Map<string, Owner>();
      for (const file of parseLsof(result?.stdout ?? '')) {
        const key = toSocketKey(file.name);
        if (key === null || owners.has(key)) continue;
        const { pid, command } = file;
        owners.set(key, { pid, describe: () => describeProcess(run, pid, command) });
      }
      return { owners, full: true };
    },
  };
}

/**
 * Name and cwd of `pid`, whose command lsof gave. `ps -o args=` joins the arguments with
 * spaces, so a script whose path has a space is named by the part before it.
 */
export async function describeProcess(
  run: RunCommand,
  pid: number,
  command: string | null,
): Promise<ProcessInfo | null> {
  const needsArgs = command === null || isInterpreter(command);
  const [argsResult, cwdResult] = await Promise.all([
    needsArgs ? run('ps', ['-ww', '-o', 'args=', '-p', String(pid)]).catch(() => null) : null,
    run('lsof', ['-a', '-d', 'cwd', '-p', String(pid), '-Fn']).catch(() => null),
  ]);
  const args =
    argsResult?.stdout
      .trim()
      .split(/\s+/)
      .filter((arg) => arg !== '') ?? [];
  const executable = command ?? args[0];
  if (executable === undefined) return null;
  const cwd = parseLsof(cwdResult?.stdout ?? '').find((file) => file.pid === pid)?.name ?? null;
  return { name: parseCommand(executable, args).name, cwd, directory: cwd };
}
