// Loading `electron` outside Electron throws (it tries to download its binary), and electron-store
// loads electron: so only the entry files may import either at runtime, or tests could not load
// the rest of main/. The entries are the main process's (main.ts) and the dashboard preload's,
// which is bundled on its own and imported by nothing.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { test } from 'node:test';

const ROOT = new URL('../../../', import.meta.url);
const ENTRY = 'main/main.ts';
const ENTRIES: readonly string[] = [ENTRY, 'main/preload.ts'];

// Value imports (not `import type`) and require()/import() of electron or electron-store.
const RUNTIME_IMPORT =
  /^\s*import\s+(?!type\b)[^;]*?from\s+['"]electron(?:-store)?['"]|require\(\s*['"]electron(?:-store)?['"]\s*\)|import\(\s*['"]electron(?:-store)?['"]\s*\)/m;

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(new URL(dir, ROOT), { withFileTypes: true, recursive: true });
  return entries
    .filter(
      (entry) =>
        entry.isFile() && /\.(?:c|m)?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts'),
    )
    .map((entry) =>
      `${entry.parentPath.slice(new URL(dir, ROOT).pathname.length - dir.length)}/${entry.name}`.replace(
        /^\/+/,
        '',
      ),
    );
}

test('only the entry files import electron or electron-store at runtime', async () => {
  const files = [
    ...(await sources('main')),
    ...(await sources('proxy-core')),
    ...(await sources('renderer').catch(() => [])),
  ];
  assert.ok(files.includes(ENTRY), `found: ${files.join(', ')}`);
  const offenders: string[] = [];
  for (const file of files) {
    const text = await readFile(new URL(file, ROOT), 'utf8');
    if (RUNTIME_IMPORT.test(text) && !ENTRIES.includes(file)) offenders.push(file);
    // Nothing may import an entry: that would load electron through the back door.
    if (/from\s+['"]\.\/(?:main|preload)\.js['"]/.test(text))
      offenders.push(`${file} (imports an entry)`);
  }
  assert.deepEqual(offenders, []);
  assert.match(await readFile(new URL(ENTRY, ROOT), 'utf8'), RUNTIME_IMPORT);
});

test('the import check catches every runtime form and lets type imports through', () => {
  for (const text of [
    "import { app } from 'electron';",
    "import Store from 'electron-store';",
    "import { type App, app } from 'electron';",
    "const { app } = require('electron');",
    "await import('electron-store');",
  ]) {
    assert.equal(RUNTIME_IMPORT.test(text), true, text);
  }
  for (const text of [
    "import type { App } from 'electron';",
    "import type Store from 'electron-store';",
  ]) {
    assert.equal(RUNTIME_IMPORT.test(text), false, text);
  }
});

test('no module under proxy-core imports electron at all', async () => {
  for (const file of await sources('proxy-core')) {
    const text = await readFile(new URL(file, ROOT), 'utf8');
    assert.equal(/from\s+['"]electron/.test(text), false, file);
  }
});
