// Windows (issue 16): PowerShell's CSV, netstat and tasklist parsed, and the scan with its
// fallback run against captured output instead of the tools.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toConnectionKey } from '../../../../proxy-core/observe/origin/address.js';
import type { RunCommand } from '../../../../proxy-core/observe/origin/command.js';
import {
  createWindowsSource,
  toPowerShellScript,
  toProcessInfo,
} from '../../../../proxy-core/observe/origin/windows.js';
import {
  parseConnectionCsv,
  parseCsv,
  parseNetstat,
  parseTasklist,
} from '../../../../proxy-core/observe/origin/windows-output.js';
import { fixture } from './fixtures.js';

const CLAUDE_KEY = toConnectionKey('127.0.0.1', 51234, '127.0.0.1', 8080) ?? '';
const CODEX_KEY = toConnectionKey('::1', 51240, '::1', 8080) ?? '';

test('CSV: quoted fields with commas, doubled quotes, empty values and CRLF', () => {
  assert.deepEqual(parseCsv('"a","b,c","say ""hi"""\r\n,"",x\r\n\r\n'), [
    ['a', 'b,c', 'say "hi"'],
    ['', '', 'x'],
  ]);
  assert.deepEqual(parseCsv('"line\nbreak",2'), [['line\nbreak', '2']]);
  assert.deepEqual(parseCsv(''), []);
});

test("PowerShell's rows: each connection with its process, columns found by name", () => {
  const owners = parseConnectionCsv(fixture('powershell.csv'));
  assert.equal(owners.length, 3);
  assert.deepEqual(owners[0], {
    key: CLAUDE_KEY,
    pid: 4242,
    name: 'node.exe',
    path: 'C:\\Program Files\\nodejs\\node.exe',
    commandLine:
      '"C:\\Program Files\\nodejs\\node.exe" C:\\Users\\ada\\AppData\\Roaming\\npm\\node_modules\\@anthropic-ai\\claude-code\\cli.js --continue',
  });
  assert.equal(owners[1]?.key, CODEX_KEY);
  assert.deepEqual(owners[2], {
    key: toConnectionKey('127.0.0.1', 51300, '127.0.0.1', 8080),
    pid: 4260,
    name: null,
    path: null,
    commandLine: null,
  });
  const reordered =
    'OwningProcess,RemotePort,RemoteAddress,LocalPort,LocalAddress\r\n4242,8080,127.0.0.1,51234,127.0.0.1\r\n';
  assert.equal(parseConnectionCsv(reordered)[0]?.key, CLAUDE_KEY);
  assert.deepEqual(parseConnectionCsv(''), []);
  assert.deepEqual(parseConnectionCsv('"LocalAddress","OwningProcess"\r\n"127.0.0.1","0"\r\n'), []);
});

test('netstat: TCP rows whatever the language of their state; UDP and listeners are no client', () => {
  const owners = parseNetstat(fixture('netstat.txt'));
  const byKey = new Map(owners.map((owner) => [owner.key, owner.pid]));
  assert.equal(byKey.get(CLAUDE_KEY), 4242);
  assert.equal(byKey.get(CODEX_KEY), 4250);
  assert.equal(byKey.get(toConnectionKey('fe80::1', 51250, 'fe80::1', 8080) ?? ''), 4270);
  assert.equal(byKey.get(toConnectionKey('127.0.0.1', 8080, '127.0.0.1', 51234) ?? ''), 501);
  assert.equal(owners.length, 6);
  assert.equal(
    owners.every((owner) => owner.name === null),
    true,
  );
});

test("tasklist: the image name of the pid's row, none after its INFO line", () => {
  assert.equal(parseTasklist(fixture('tasklist.csv'), 4242), 'node.exe');
  assert.equal(parseTasklist(fixture('tasklist.csv'), 4243), null);
  assert.equal(parseTasklist(fixture('tasklist-none.txt'), 4242), null);
});

test('a process is named by its script, its project looked for from the script or the executable', () => {
  const [claude, codex, unnamed] = parseConnectionCsv(fixture('powershell.csv'));
  assert.ok(claude !== undefined && codex !== undefined && unnamed !== undefined);
  assert.deepEqual(toProcessInfo(claude), {
    name: 'claude-code',
    cwd: null,
    directory: 'C:\\Users\\ada\\AppData\\Roaming\\npm\\node_modules\\@anthropic-ai\\claude-code',
  });
  assert.deepEqual(toProcessInfo(codex), {
    name: 'codex',
    cwd: null,
    directory: 'C:\\Users\\ada\\code\\tools',
  });
  const relative = { ...claude, commandLine: 'node agent.js' };
  assert.deepEqual(toProcessInfo(relative), {
    name: 'agent',
    cwd: null,
    directory: 'C:\\Program Files\\nodejs',
  });
});

test('the PowerShell query asks for established connections to every port of the batch', () => {
  const script = toPowerShellScript([8080, 8443]);
  assert.match(script, /Get-NetTCPConnection -State Established -RemotePort 8080,8443/);
  assert.match(script, /ConvertTo-Csv -NoTypeInformation/);
  // Sent base64-encoded, so quoting never matters; double quotes are avoided all the same.
  assert.doesNotMatch(script, /"/);
});

test('a scan is one PowerShell run that already describes each process', async () => {
  const calls: string[] = [];
  const run: RunCommand = (file, args) => {
    calls.push(file);
    const encoded = args[args.indexOf('-EncodedCommand') + 1] ?? '';
    assert.match(Buffer.from(encoded, 'base64').toString('utf16le'), /-RemotePort 8080/);
    return Promise.resolve({ stdout: fixture('powershell.csv'), code: 0 });
  };
  const scan = await createWindowsSource(run).scan([
    { clientAddress: '127.0.0.1', clientPort: 51234, proxyAddress: '127.0.0.1', proxyPort: 8080 },
  ]);
  assert.deepEqual(calls, ['powershell.exe']);
  const owner = scan.owners.get(CLAUDE_KEY);
  assert.equal(owner?.pid, 4242);
  assert.equal((await owner.describe())?.name, 'claude-code');
  assert.deepEqual(calls, ['powershell.exe']);
});

test('without Get-NetTCPConnection (or PowerShell), netstat finds the pid and tasklist names it', async () => {
  for (const powershell of ['exit 3', 'missing'] as const) {
    const calls: string[] = [];
    const run: RunCommand = (file) => {
      calls.push(file);
      if (file === 'powershell.exe') {
        return powershell === 'exit 3'
          ? Promise.resolve({ stdout: '', code: 3 })
          : Promise.reject(new Error('spawn powershell.exe ENOENT'));
      }
      const stdout = file === 'netstat' ? fixture('netstat.txt') : fixture('tasklist.csv');
      return Promise.resolve({ stdout, code: 0 });
    };
    const scan = await createWindowsSource(run).scan([
      { clientAddress: '127.0.0.1', clientPort: 51234, proxyAddress: '127.0.0.1', proxyPort: 8080 },
    ]);
    const owner = scan.owners.get(CLAUDE_KEY);
    assert.equal(owner?.pid, 4242);
    assert.deepEqual(await owner.describe(), { name: 'node', cwd: null, directory: null });
    assert.deepEqual(calls, ['powershell.exe', 'netstat', 'tasklist']);
  }
});
