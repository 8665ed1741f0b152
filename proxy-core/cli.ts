#!/usr/bin/env node
// memex-proxy: the proxy on its own, headless (DESIGN.md, "Headless command"). Prints
// "listening on http://HOST:PORT" once it accepts connections; SIGINT/SIGTERM drain, then exit 0.

import { readFileSync } from 'node:fs';
import { applyCliOptions, parseCliArgs, USAGE } from './args.js';
import { DEFAULT_CONFIG } from './config.js';
import { createProxy, ListenError, type Proxy } from './server.js';

const DRAIN_MS = 10_000;

function main(argv: readonly string[]): void {
  const options = parseCliArgs(argv);
  if ('error' in options) {
    process.stderr.write(`memex-proxy: ${options.error}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (options.version) {
    process.stdout.write(`memex-proxy ${readVersion()}\n`);
    return;
  }
  const config = applyCliOptions(DEFAULT_CONFIG, options);
  if (options.printConfig) {
    process.stdout.write(JSON.stringify({ ...config, source: null }, null, 2) + '\n');
    return;
  }
  createProxy(config).then(serve, (err: unknown) => {
    const message = err instanceof ListenError ? err.message : `cannot start: ${String(err)}`;
    process.stderr.write(`memex-proxy: ${message}\n`);
    process.exitCode = 1;
  });
}

function serve(proxy: Proxy): void {
  const { host, port } = proxy.address();
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  process.stdout.write(
    `memex-proxy listening on ${base}\n` +
      `  proxy:     HTTP_PROXY=${base} HTTPS_PROXY=${base}\n` +
      `  base URLs: ANTHROPIC_BASE_URL=${base}/anthropic OPENAI_BASE_URL=${base}/openai/v1\n` +
      `  stats:     ${base}/_memex/stats\n`,
  );
  // A failure inside one request must never end the process: report it and keep serving.
  process.on('uncaughtException', (err) => {
    process.stderr.write(
      `memex-proxy: internal error (kept running): ${err.stack ?? err.message}\n`,
    );
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`memex-proxy: unhandled rejection (kept running): ${String(reason)}\n`);
  });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`memex-proxy: ${signal} again, exiting now\n`);
      process.exit(0);
    }
    stopping = true;
    // close() stops listening before its first await, so once this notice is out, new
    // connections are already refused (scripts and tests wait on it).
    const closed = proxy.close(DRAIN_MS);
    process.stderr.write(
      `memex-proxy: ${signal}, finishing requests in flight (up to ${DRAIN_MS / 1000} s)\n`,
    );
    void closed.then(() => {
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function readVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed = JSON.parse(text) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : 'unknown';
}

main(process.argv.slice(2));
