// Watches for config changes, for live reload. It watches directories, not files: editors such as
// vim and VS Code save by writing a new file and renaming it over the old one, which a watch on
// the old file would miss. With a named file it watches that file's directory; otherwise every
// place discovery searches, so a file created later, or one of higher rank, is picked up too.

import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CONFIG_FILE_NAMES } from './file.js';

export interface ConfigWatcher {
  close(): void;
}

export interface WatchTargets {
  /** A named file (--config, MEMEX_CONFIG); when set, nothing else is watched. */
  readonly file?: string | undefined;
  readonly searchDirs: readonly string[];
}

// Saves arrive as bursts of events (write, chmod, rename); one reload per burst.
const SETTLE_MS = 75;

/** Calls `onChange` once after each burst of changes to any watched config path. */
export function watchConfig(targets: WatchTargets, onChange: () => void): ConfigWatcher {
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const added = arm();
      onChange();
      // A directory that just appeared (say .config) may have had files written into it before
      // its watcher existed: look once more.
      if (added) schedule();
    }, SETTLE_MS);
  };

  /** Watches `dir` unless it already is watched or does not exist; true when newly watched. */
  const watchDir = (dir: string, names: ReadonlySet<string>): boolean => {
    if (watchers.has(dir) || !existsSync(dir)) return false;
    try {
      const watcher = watch(dir, { persistent: false }, (_event, filename) => {
        if (filename === null || names.has(filename)) schedule();
      });
      // A watched directory that disappears ends its watcher; arm() retries on the next change.
      watcher.on('error', () => {
        watcher.close();
        watchers.delete(dir);
      });
      watchers.set(dir, watcher);
      return true;
    } catch {
      // Unwatchable (permissions, too many watches): live reload is lost for it, nothing else.
      return false;
    }
  };

  const arm = (): boolean => {
    if (closed) return false;
    if (targets.file !== undefined) {
      return watchDir(dirname(targets.file), new Set([basename(targets.file)]));
    }
    const topNames = new Set<string>(['.config']);
    const nestedNames = new Set<string>();
    for (const name of CONFIG_FILE_NAMES) {
      if (name.startsWith('.config/')) nestedNames.add(name.slice('.config/'.length));
      else topNames.add(name);
    }
    let added = false;
    for (const dir of targets.searchDirs) {
      if (watchDir(dir, topNames)) added = true;
      if (watchDir(join(dir, '.config'), nestedNames)) added = true;
    }
    return added;
  };

  arm();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
