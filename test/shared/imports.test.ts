// The rooms that more than one process loads keep to themselves: the dashboard (renderer/) runs in
// a sandboxed Chromium and may import only renderer/ and shared/; shared/ is pure code every
// process runs, so it imports only shared/ (a Node builtin only as `import type`, never electron).

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../../../', import.meta.url);

interface Import {
  readonly specifier: string;
  /** `import type …` / `export type …`: erased at build time. */
  readonly typeOnly: boolean;
}

// Static imports and re-exports (`import x from`, `import 'x'`, `export { x } from`), with
// whether they are type-only; then dynamic import() and require().
const STATIC =
  /(?:^|[;}\s])(?:import|export)\s+(type\s+)?(?:[^'";]*?\bfrom\s*)?['"]([^'"\n]+)['"]/g;
const DYNAMIC = /\b(?:import|require)\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;

function importsOf(text: string): Import[] {
  // Comments may quote code; strings holding `//` (URLs) only lose the rest of their line.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const found: Import[] = [];
  for (const [, type, specifier = ''] of code.matchAll(STATIC)) {
    found.push({ specifier, typeOnly: type !== undefined });
  }
  for (const [, specifier = ''] of code.matchAll(DYNAMIC)) {
    found.push({ specifier, typeOnly: false });
  }
  return found;
}

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(new URL(dir, ROOT), { withFileTypes: true, recursive: true });
  const root = new URL('.', ROOT).pathname;
  return entries
    .filter((entry) => entry.isFile() && /\.(?:c|m)?ts$/.test(entry.name))
    .map((entry) => posix.join(entry.parentPath.slice(root.length), entry.name));
}

/** The repository folder a relative import lands in (`shared`, `main`…), or null for a package. */
function folderOf(file: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  return target.startsWith('../') ? '..' : (target.split('/')[0] ?? '');
}

async function offenders(
  dir: string,
  allowed: (file: string, found: Import) => boolean,
): Promise<string[]> {
  const files = await sources(dir);
  assert.ok(files.length > 0, `no sources under ${dir}/`);
  const wrong: string[] = [];
  for (const file of files) {
    for (const found of importsOf(await readFile(new URL(file, ROOT), 'utf8'))) {
      if (!allowed(file, found)) wrong.push(`${file} imports ${found.specifier}`);
    }
  }
  return wrong;
}

test('renderer/ imports only renderer/ and shared/', async () => {
  const wrong = await offenders('renderer', (file, found) => {
    const folder = folderOf(file, found.specifier);
    return folder === 'renderer' || folder === 'shared';
  });
  assert.deepEqual(wrong, []);
});

test('shared/ imports only shared/, and Node builtins only as types', async () => {
  const wrong = await offenders('shared', (file, found) => {
    const folder = folderOf(file, found.specifier);
    if (folder !== null) return folder === 'shared';
    return found.typeOnly && found.specifier.startsWith('node:');
  });
  assert.deepEqual(wrong, []);
});

test('shared/ names no Node global, so the renderer builds it without Node types', async () => {
  const wrong: string[] = [];
  for (const file of await sources('shared')) {
    const text = await readFile(new URL(file, ROOT), 'utf8');
    const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    const global = /\b(?:NodeJS\.|process\.|Buffer\b|__dirname\b|__filename\b)/.exec(code);
    if (global !== null) wrong.push(`${file}: ${global[0]}`);
  }
  assert.deepEqual(wrong, []);
});

test('the import scan finds every form, knows type-only ones and skips comments', () => {
  const text = [
    "import { a } from './a.js';",
    "import type { B } from '../main/b.js';",
    'import {',
    '  c,',
    '  type D,',
    "} from 'node:fs';",
    "import './side-effect.js';",
    "export { e } from '../proxy-core/e.js';",
    "export type { F } from './f.js';",
    "const g = await import('electron');",
    "const h = require('node:path');",
    "// import { nope } from 'commented-out';",
    "/* import { nope } from 'block-comment'; */",
  ].join('\n');
  assert.deepEqual(importsOf(text), [
    { specifier: './a.js', typeOnly: false },
    { specifier: '../main/b.js', typeOnly: true },
    { specifier: 'node:fs', typeOnly: false },
    { specifier: './side-effect.js', typeOnly: false },
    { specifier: '../proxy-core/e.js', typeOnly: false },
    { specifier: './f.js', typeOnly: true },
    { specifier: 'electron', typeOnly: false },
    { specifier: 'node:path', typeOnly: false },
  ]);
  assert.equal(folderOf('renderer/app.ts', '../shared/bridge.js'), 'shared');
  assert.equal(folderOf('renderer/app.ts', './dom.js'), 'renderer');
  assert.equal(folderOf('renderer/app.ts', '../main/menu.js'), 'main');
  assert.equal(folderOf('shared/env.ts', '../../elsewhere.js'), '..');
  assert.equal(folderOf('shared/env.ts', 'yaml'), null);
});
