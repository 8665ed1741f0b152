// Bundles the proxy's two entries, the `memex-proxy` command and the worker the tray app runs in
// a utility process, each into one CommonJS file in dist/bin/. One file loads faster and smaller
// than ~30 ES modules: Node's ES module loader alone costs ~13 MiB of RSS and ~20 ms at start,
// which is most of the gap to the idle-memory and spawn targets (README, Performance). Dependencies
// are bundled too; the YAML and TOML parsers stay lazy (loaded only when a config file is read), and
// so do prom-client (loaded on the first /_memex/metrics scrape) and the OpenTelemetry SDK
// (loaded when otlp.endpoint is set).
// Run by `npm run build` after tsc.

import { chmod, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The bundled entries, by source file, as dist/bin/ names them. */
export const PROXY_BUNDLES = {
  'proxy-core/entry/cli.ts': 'memex-proxy.cjs',
  'proxy-core/entry/worker.ts': 'proxy-worker.cjs',
  // The history's writer thread, which both entries start (proxy-core/entry/history.ts).
  'proxy-core/history/thread.ts': 'history-thread.cjs',
  // The origin lookup's thread, which the proxy starts (proxy-core/observe/origin/threaded.ts).
  'proxy-core/observe/origin/thread.ts': 'origin-thread.cjs',
} as const;

/** Bundles the entries into `outDir` (default dist/bin/); the command is made executable. */
export async function buildProxy(outDir = `${ROOT}dist/bin`): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const [source, name] of Object.entries(PROXY_BUNDLES)) {
    const outfile = `${outDir}/${name}`;
    await build({
      entryPoints: [`${ROOT}${source}`],
      outfile,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node22',
      // The sources are ES modules that find files next to themselves through import.meta.url.
      define: { 'import.meta.url': 'importMetaUrl' },
      banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      // Loaded from node_modules on first use, so their code is not even read at start.
      external: ['yaml', 'smol-toml', 'prom-client', '@opentelemetry/*'],
      legalComments: 'none',
      logLevel: 'warning',
    });
    await chmod(outfile, 0o755);
  }
}

if (process.argv[1] !== undefined && import.meta.url === new URL(process.argv[1], 'file://').href) {
  await buildProxy();
}
