// Windows: the owner of a connection's client end, from one PowerShell run that lists the
// established connections to memex's ports (Get-NetTCPConnection) with their processes
// (Win32_Process: name, executable, command line); `netstat -ano` and `tasklist` where
// PowerShell cannot. A process's cwd lives in its PEB, which only a debugger-grade read
// reaches, so cwd is null; the project is looked for from its script's directory when an
// interpreter runs one by absolute path, else from its executable's.

import { win32 } from 'node:path';
import type { Connection } from './address.js';
import { runCommand, type RunCommand } from './command.js';
import { parseCommand, splitWindowsCommandLine } from './name.js';
import type { OriginSource, Owner, ProcessInfo } from './source.js';
import {
  parseConnectionCsv,
  parseNetstat,
  parseTasklist,
  type WindowsOwner,
} from './windows-output.js';

/** The exit code of the query where Get-NetTCPConnection does not exist (before Windows 8). */
const NO_NETTCP = 3;

/**
 * The PowerShell query for `ports`: one CSV row per established connection whose remote port
 * is one of them. Passed as -EncodedCommand (base64 UTF-16LE), so no quoting rules apply.
 */
export function toPowerShellScript(ports: readonly number[]): string {
  return [
    "$ErrorActionPreference = 'SilentlyContinue'",
    `if (-not (Get-Command Get-NetTCPConnection)) { exit ${NO_NETTCP} }`,
    `$c = @(Get-NetTCPConnection -State Established -RemotePort ${ports.join(',')})`,
    '$ids = @($c | ForEach-Object { $_.OwningProcess } | Sort-Object -Unique)',
    '$p = @{}',
    "if ($ids.Count -gt 0) { Get-CimInstance Win32_Process -Filter (($ids | ForEach-Object { 'ProcessId=' + $_ }) -join ' OR ') | ForEach-Object { $p[[int]$_.ProcessId] = $_ } }",
    '$c | ForEach-Object { $q = $p[[int]$_.OwningProcess]; [pscustomobject]@{ LocalAddress = $_.LocalAddress; LocalPort = $_.LocalPort; RemoteAddress = $_.RemoteAddress; RemotePort = $_.RemotePort; OwningProcess = $_.OwningProcess; Name = $q.Name; ExecutablePath = $q.ExecutablePath; CommandLine = $q.CommandLine } } | ConvertTo-Csv -NoTypeInformation',
  ].join('\n');
}

export function createWindowsSource(run: RunCommand = runCommand): OriginSource {
  return {
    async scan(connections: readonly Connection[]) {
      const ports = [...new Set(connections.map((connection) => connection.proxyPort))];
      const encoded = Buffer.from(toPowerShellScript(ports), 'utf16le').toString('base64');
      const args = ['-NoProfile', '-NonInteractive', '-EncodedCommand', encoded];
      const query = await run('powershell.exe', args).catch(() => null);
      const listed =
        query !== null && query.code === 0
          ? parseConnectionCsv(query.stdout)
          : parseNetstat((await run('netstat', ['-ano']).catch(() => null))?.stdout ?? '');
      const owners = new Map<string, Owner>();
      for (const owner of listed) {
        if (owners.has(owner.key)) continue;
        const describe =
          owner.name === null
            ? () => describeByTasklist(run, owner.pid)
            : () => Promise.resolve(toProcessInfo(owner));
        owners.set(owner.key, { pid: owner.pid, describe });
      }
      return { owners, full: true };
    },
  };
}

/** A process as Win32_Process describes it. */
export function toProcessInfo(owner: WindowsOwner): ProcessInfo {
  const args = splitWindowsCommandLine(owner.commandLine ?? '');
  const command = parseCommand(owner.name ?? owner.path ?? '', args);
  const from =
    command.script !== null && win32.isAbsolute(command.script) ? command.script : owner.path;
  return { name: command.name, cwd: null, directory: from === null ? null : win32.dirname(from) };
}

async function describeByTasklist(run: RunCommand, pid: number): Promise<ProcessInfo | null> {
  const args = ['/FI', `PID eq ${pid}`, '/FO', 'CSV', '/NH'];
  const result = await run('tasklist', args).catch(() => null);
  const image = result === null ? null : parseTasklist(result.stdout, pid);
  return image === null ? null : { name: parseCommand(image, []).name, cwd: null, directory: null };
}
