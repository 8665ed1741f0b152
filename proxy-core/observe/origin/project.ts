// The git work tree a directory is in, read the way git finds it but without running git: the
// nearest enclosing `.git` (a directory, or a file `gitdir: <path>` in a linked worktree or a
// submodule), and the branch its HEAD names.

import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ProjectRef } from '../../../shared/who.js';

/**
 * The project enclosing `directory` (an absolute path): its root is the directory holding the
 * nearest `.git`. Null when there is none, or nothing on the way up can be read.
 */
export async function loadProject(directory: string): Promise<ProjectRef | null> {
  for (let current = resolve(directory); ; current = dirname(current)) {
    const gitDir = await findGitDir(current);
    if (gitDir !== undefined) {
      const branch = gitDir === null ? null : await loadBranch(gitDir);
      return { root: current, name: basename(current) || current, branch };
    }
    if (dirname(current) === current) return null;
  }
}

/**
 * The branch a HEAD file names (`ref: refs/heads/feature/x` → `feature/x`, any other ref as
 * written), or the first 7 hex digits of a detached commit (SHA-1 or SHA-256); null otherwise.
 */
export function parseHead(text: string): string | null {
  const head = text.trim();
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (ref !== undefined)
    return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(head) ? head.slice(0, 7) : null;
}

/** The path a `.git` file points to (`gitdir: ../.git/worktrees/x`), as written; or null. */
export function parseGitFile(text: string): string | null {
  const path = /^gitdir:\s*(.+?)\s*$/m.exec(text)?.[1];
  return path === undefined || path === '' ? null : path;
}

/**
 * The git directory of a work tree rooted at `directory`: undefined when there is no `.git`
 * there, null when there is one whose git directory cannot be read (a broken `gitdir:` file).
 */
async function findGitDir(directory: string): Promise<string | null | undefined> {
  const dotGit = join(directory, '.git');
  const found = await stat(dotGit).catch(() => null);
  if (found === null) return undefined;
  if (found.isDirectory()) return dotGit;
  if (!found.isFile()) return undefined;
  const text = await readFile(dotGit, 'utf8').catch(() => null);
  const target = text === null ? null : parseGitFile(text);
  return target === null ? null : resolve(directory, target);
}

async function loadBranch(gitDir: string): Promise<string | null> {
  const head = await readFile(join(gitDir, 'HEAD'), 'utf8').catch(() => null);
  return head === null ? null : parseHead(head);
}
