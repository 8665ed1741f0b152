import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runToExit } from '../../helpers/process-spawn.js';
import { tempHistoryFile } from './fixtures.js';

const WRITER = fileURLToPath(new URL('../../fixtures/history/full-disk.js', import.meta.url));
// A mount namespace of our own (a user namespace maps us to root in it) lets an unprivileged
// test mount a tmpfs small enough to fill.
const UNSHARE = ['--user', '--map-root-user', '--mount'];

interface Step {
  readonly step: string;
  readonly messages?: readonly string[];
  readonly added?: number;
  readonly stats?: {
    readonly pending: number;
    readonly requestsWritten: number;
    readonly dropped: number;
  };
}

function stepsOf(stdout: Buffer): Step[] {
  return stdout
    .toString('utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Step);
}

function canUnshare(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('unshare', [...UNSHARE, 'true'], { stdio: 'ignore' });
  return probe.status === 0;
}

function emptyDir(t: Parameters<typeof tempHistoryFile>[0]): string {
  const dir = dirname(tempHistoryFile(t));
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('a full disk: one message, rows kept in memory, written once there is space', async (t) => {
  if (!canUnshare()) {
    t.skip('needs unshare(1) with user and mount namespaces, to mount a small tmpfs');
    return;
  }
  const dir = emptyDir(t);
  const script = `set -e
    mount -t tmpfs -o size=2m tmpfs "$1"
    "$2" "$3" "$1" 1500000 free
    sqlite3 -json "$1/history.db" 'SELECT count(*) AS n FROM requests; PRAGMA quick_check'`;
  const run = await runToExit(t, 'unshare', [
    ...UNSHARE,
    'bash',
    '-c',
    script,
    'bash',
    dir,
    process.execPath,
    WRITER,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const [full, taking, freed] = stepsOf(run.stdout);
  assert.equal(full?.step, 'full');
  assert.deepEqual(full.messages, [
    `history: the disk holding ${dir}/history.db is full; rows are kept in memory and written once there is space`,
  ]);
  assert.ok((full.stats?.pending ?? 0) > 0, 'rows wait in memory');
  assert.equal(taking?.step, 'still taking rows');
  assert.ok((taking.stats?.pending ?? 0) > (full.stats?.pending ?? 0));
  assert.equal(freed?.step, 'freed');
  assert.equal(freed.stats?.pending, 0);
  assert.equal(freed.stats.dropped, 0);
  assert.equal(freed.stats.requestsWritten, freed.added);
  assert.equal(freed.messages?.length, 1, 'nothing more was said');
  const shell = run.stdout.toString('utf8');
  assert.ok(shell.includes(`[{"n":${String(freed.added)}}]`), shell);
  assert.ok(shell.includes('[{"quick_check":"ok"}]'), shell);
});

test('a file size limit (ulimit -f): one message, nothing thrown, rows kept in memory', async (t) => {
  if (process.platform === 'win32') {
    t.skip('ulimit is a POSIX shell builtin');
    return;
  }
  const dir = emptyDir(t);
  // 200 blocks of 1 KiB: the file and its WAL outgrow it within the first batches. Node ignores
  // SIGXFSZ, so the write fails with EFBIG (SQLite: disk I/O error) instead of killing it.
  const run = await runToExit(t, 'bash', [
    '-c',
    'ulimit -f 200 && exec "$1" "$2" "$3" 0 keep',
    'bash',
    process.execPath,
    WRITER,
    dir,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const [full, taking, closed] = stepsOf(run.stdout);
  assert.equal(full?.messages?.length, 1, JSON.stringify(full));
  assert.match(
    full.messages[0] ?? '',
    /^history: could not write .*history\.db \(disk I\/O error\); rows are kept in memory for the next try$/,
  );
  assert.ok(
    (taking?.stats?.pending ?? 0) > (full.stats?.pending ?? 0),
    'the proxy side still takes rows',
  );
  assert.equal(closed?.step, 'closed');
});
