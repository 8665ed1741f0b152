// The project around a directory (issue 16), read without git from real repositories that the
// real git binary made: branches, a detached HEAD, linked worktrees, submodule-style .git files.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import {
  loadProject,
  parseGitFile,
  parseHead,
} from '../../../../proxy-core/observe/origin/project.js';

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'init.defaultBranch=main', ...args], { cwd });
  return stdout.trim();
}

/** A temporary directory, removed when the test ends; its real path (tmpdir may be a link). */
async function tempDir(t: TestContext): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'memex-project-')));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A repository with one commit, on `branch`. */
async function repo(t: TestContext, name: string, branch: string): Promise<string> {
  const root = join(await tempDir(t), name);
  await mkdir(root);
  await git(root, 'init', '-q');
  await git(root, 'checkout', '-q', '-b', branch);
  await writeFile(join(root, 'README'), 'x\n');
  await git(root, 'add', 'README');
  await git(root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'x');
  return root;
}

test('HEAD files: a branch, any other ref, a detached commit', () => {
  const cases: [string, string | null][] = [
    ['ref: refs/heads/main\n', 'main'],
    ['ref: refs/heads/feature/x\n', 'feature/x'],
    ['ref:refs/heads/tight', 'tight'],
    ['ref: refs/remotes/origin/main', 'refs/remotes/origin/main'],
    ['3b18e512dba79e4c8300dd08aeb37f8e728b8dad\n', '3b18e51'],
    ['a'.repeat(64), 'aaaaaaa'],
    ['3b18e51', null],
    ['', null],
  ];
  for (const [text, branch] of cases) assert.equal(parseHead(text), branch, text);
});

test('.git files point to their git directory', () => {
  assert.equal(parseGitFile('gitdir: /repo/.git/worktrees/x\n'), '/repo/.git/worktrees/x');
  assert.equal(parseGitFile('gitdir: ../.git/modules/sub\n'), '../.git/modules/sub');
  assert.equal(parseGitFile('nonsense\n'), null);
});

test('a directory deep inside a repository is in its project, on its branch', async (t) => {
  const root = await repo(t, 'app', 'feature/x');
  const deep = join(root, 'src', 'lib', 'deep');
  await mkdir(deep, { recursive: true });
  const expected = { root, name: 'app', branch: 'feature/x' };
  assert.deepEqual(await loadProject(deep), expected);
  assert.deepEqual(await loadProject(root), expected);
});

test('a detached HEAD is named by its short commit id', async (t) => {
  const root = await repo(t, 'detached', 'main');
  const commit = await git(root, 'rev-parse', 'HEAD');
  await git(root, 'checkout', '-q', '--detach');
  assert.deepEqual(await loadProject(root), { root, name: 'detached', branch: commit.slice(0, 7) });
});

test("a linked worktree is its own project, on the worktree's branch", async (t) => {
  const main = await repo(t, 'main-tree', 'main');
  const linked = join(await tempDir(t), 'linked-tree');
  await git(main, 'worktree', 'add', '-q', '-b', 'feature/who', linked);
  await mkdir(join(linked, 'sub'));
  assert.deepEqual(await loadProject(join(linked, 'sub')), {
    root: linked,
    name: 'linked-tree',
    branch: 'feature/who',
  });
  assert.deepEqual(await loadProject(main), { root: main, name: 'main-tree', branch: 'main' });
});

test('a relative gitdir (a submodule) resolves from the directory of its .git file', async (t) => {
  const root = await repo(t, 'outer', 'main');
  const gitDir = join(root, '.git', 'modules', 'inner');
  await mkdir(gitDir, { recursive: true });
  await writeFile(join(gitDir, 'HEAD'), 'ref: refs/heads/inner-branch\n');
  const inner = join(root, 'vendor', 'inner');
  await mkdir(inner, { recursive: true });
  await writeFile(join(inner, '.git'), 'gitdir: ../../.git/modules/inner\n');
  assert.deepEqual(await loadProject(inner), {
    root: inner,
    name: 'inner',
    branch: 'inner-branch',
  });
});

test('a .git whose HEAD cannot be read still marks the project, with no branch', async (t) => {
  const root = join(await tempDir(t), 'broken');
  await mkdir(join(root, '.git'), { recursive: true });
  assert.deepEqual(await loadProject(root), { root, name: 'broken', branch: null });
  const dangling = join(await tempDir(t), 'dangling');
  await mkdir(dangling);
  await writeFile(join(dangling, '.git'), 'gitdir: /nowhere/at/all\n');
  assert.deepEqual(await loadProject(dangling), { root: dangling, name: 'dangling', branch: null });
});

test('outside any repository, and for a directory that does not exist, there is none', async (t) => {
  const dir = await tempDir(t);
  // The temp directory itself must not be inside a work tree for this to mean anything.
  if ((await loadProject(tmpdir())) !== null) {
    t.skip('the temp directory is inside a git work tree here');
    return;
  }
  assert.equal(await loadProject(dir), null);
  assert.equal(await loadProject(join(dir, 'gone', 'away')), null);
});
