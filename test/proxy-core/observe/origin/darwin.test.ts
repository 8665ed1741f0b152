// macOS (issue 16): lsof's field output parsed, and the scan and description run against
// captured output instead of the tools.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toConnectionKey } from '../../../../proxy-core/observe/origin/address.js';
import type { RunCommand } from '../../../../proxy-core/observe/origin/command.js';
import {
  createDarwinSource,
  describeProcess,
  toLsofArgs,
} from '../../../../proxy-core/observe/origin/darwin.js';
import { parseLsof, toSocketKey } from '../../../../proxy-core/observe/origin/lsof.js';
import { fixture } from './fixtures.js';

test('field output: every file set with its process, other fields skipped', () => {
  assert.deepEqual(parseLsof(fixture('lsof-linux.txt')), [
    { pid: 7988, command: 'MainThread', name: '127.0.0.1:52022->127.0.0.1:38115' },
    { pid: 7988, command: 'MainThread', name: '127.0.0.1:38115->127.0.0.1:52022' },
  ]);
  const files = parseLsof(fixture('lsof-macos.txt'));
  assert.equal(files.length, 5);
  assert.deepEqual(files[2], {
    pid: 4242,
    command: 'node',
    name: '127.0.0.1:51234->127.0.0.1:8080',
  });
  assert.deepEqual(files[4], {
    pid: 4250,
    command: 'claude',
    name: '192.168.1.20:51300->160.79.104.10:443',
  });
  assert.deepEqual(parseLsof(fixture('lsof-macos-cwd.txt')), [
    { pid: 4242, command: null, name: '/Users/ada/code/my project' },
  ]);
  assert.deepEqual(parseLsof('n/orphan\npx\nn/bad pid\n'), []);
});

test('a socket name reads as client->memex; listening sockets and paths are no connection', () => {
  assert.equal(
    toSocketKey('127.0.0.1:51234->127.0.0.1:8080'),
    toConnectionKey('127.0.0.1', 51234, '127.0.0.1', 8080),
  );
  assert.equal(
    toSocketKey('[::1]:51240->[::1]:8080 (ESTABLISHED)'),
    toConnectionKey('::1', 51240, '::1', 8080),
  );
  assert.equal(toSocketKey('127.0.0.1:8080'), null);
  assert.equal(toSocketKey('/Users/ada'), null);
});

test('one lsof run lists the established sockets of every port in the batch', () => {
  assert.deepEqual(toLsofArgs([8080, 8443]), [
    '-nP',
    '-iTCP:8080',
    '-iTCP:8443',
    '-sTCP:ESTABLISHED',
    '-Fpcn',
  ]);
});

test('a scan finds each client end in one lsof run; memex holds the other ends', async () => {
  const calls: string[][] = [];
  const run: RunCommand = (file, args) => {
    calls.push([file, ...args]);
    return Promise.resolve({ stdout: fixture('lsof-macos.txt'), code: 0 });
  };
  const scan = await createDarwinSource(run).scan([
    {
      clientAddress: '::ffff:127.0.0.1',
      clientPort: 51234,
      proxyAddress: '::ffff:127.0.0.1',
      proxyPort: 8080,
    },
    { clientAddress: '::1', clientPort: 51240, proxyAddress: '::1', proxyPort: 8080 },
  ]);
  assert.equal(calls.length, 1);
  assert.equal(scan.full, true);
  assert.equal(
    scan.owners.get(toConnectionKey('127.0.0.1', 51234, '127.0.0.1', 8080) ?? '')?.pid,
    4242,
  );
  assert.equal(scan.owners.get(toConnectionKey('::1', 51240, '::1', 8080) ?? '')?.pid, 4250);
  // memex's own end of the first connection is keyed the other way round, not as this client.
  assert.equal(
    scan.owners.get(toConnectionKey('127.0.0.1', 8080, '127.0.0.1', 51234) ?? '')?.pid,
    501,
  );
});

test('an interpreter is described by its arguments from ps, and its cwd from lsof', async () => {
  const calls: string[] = [];
  const run: RunCommand = (file) => {
    calls.push(file);
    const stdout =
      file === 'ps' ? 'node /usr/local/bin/claude --continue\n' : fixture('lsof-macos-cwd.txt');
    return Promise.resolve({ stdout, code: 0 });
  };
  assert.deepEqual(await describeProcess(run, 4242, 'node'), {
    name: 'claude',
    cwd: '/Users/ada/code/my project',
    directory: '/Users/ada/code/my project',
  });
  assert.deepEqual(calls.sort(), ['lsof', 'ps']);
});

test('another program needs no ps; tools that fail leave what is known', async () => {
  const calls: string[] = [];
  const failing: RunCommand = (file) => {
    calls.push(file);
    return Promise.reject(new Error(`${file} did not answer`));
  };
  assert.deepEqual(await describeProcess(failing, 4250, 'claude'), {
    name: 'claude',
    cwd: null,
    directory: null,
  });
  assert.deepEqual(calls, ['lsof']);
  assert.equal(await describeProcess(failing, 4250, null), null);
  const scan = await createDarwinSource(failing).scan([
    { clientAddress: '127.0.0.1', clientPort: 1, proxyAddress: '127.0.0.1', proxyPort: 8080 },
  ]);
  assert.equal(scan.owners.size, 0);
});
