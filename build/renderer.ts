// Builds the dashboard window into dist/renderer/: app.ts and its imports bundled by esbuild into
// one classic script (ES modules over file:// are unreliable in Electron), next to index.html and
// style.css; and the window's preload into one CommonJS file, dist/main/preload.cjs (a sandboxed
// preload can load neither ES modules nor other files). Run by `npm run build` after tsc.

import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The files the window loads, in dist/renderer/. */
export const RENDERER_FILES = ['index.html', 'style.css', 'app.js'] as const;

/** Bundles renderer/ into `outDir` (default dist/renderer/). */
export async function buildRenderer(outDir = `${ROOT}dist/renderer`): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [`${ROOT}renderer/app.ts`],
    outfile: `${outDir}/app.js`,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    // Electron 45's Chromium.
    target: 'chrome140',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const name of ['index.html', 'style.css']) {
    await copyFile(`${ROOT}renderer/${name}`, `${outDir}/${name}`);
  }
}

/** Bundles main/preload.ts into `outFile` (default dist/main/preload.cjs); electron stays external. */
export async function buildPreload(outFile = `${ROOT}dist/main/preload.cjs`): Promise<void> {
  await build({
    entryPoints: [`${ROOT}main/preload.ts`],
    outfile: outFile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    external: ['electron'],
    target: 'chrome140',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

if (process.argv[1] !== undefined && import.meta.url === new URL(process.argv[1], 'file://').href) {
  await buildRenderer();
  await buildPreload();
}
