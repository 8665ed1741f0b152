#!/usr/bin/env node
// memex-proxy: the proxy on its own, headless (DESIGN.md, "Headless command"). Prints
// "listening on http://HOST:PORT" (https:// with config tls) once it accepts connections,
// reloads its config file when it changes and on SIGHUP (TLS files re-read then too), and on
// SIGINT/SIGTERM drains, then exits 0. `memex-proxy hash-password` prints a password's hash.

import { homedir } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { toClientOrigin } from '../../shared/env.js';
import type { Config } from '../config/config.js';
import { namedConfigFile, resolveConfig, type ResolvedConfig } from '../config/file.js';
import { watchConfig, type WatchTargets } from '../config/watch.js';
import { ConfigError, ListenError } from '../errors.js';
import { createProxy, type Proxy, type ProxyOptions } from '../http/server.js';
import { keepHistory, type HistoryKeeper } from './history.js';
import { keepOtlp, type OtlpKeeper } from './otlp.js';
import { applyCliOptions, parseCliArgs, USAGE, type CliOptions } from './args.js';
import { runHashPassword } from './hash-password.js';
import { applyConfig } from './reload.js';
import { readVersion } from './version.js';
import { metricsUrl } from '../observe/otlp.js';

const DRAIN_MS = 10_000;

async function main(argv: readonly string[]): Promise<void> {
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
  if (options.command === 'hash-password') {
    process.exitCode = await runHashPassword(process.stdin, process.stdout, process.stderr);
    return;
  }
  const targets: WatchTargets = {
    file: namedConfigFile(options.configFile, process.env),
    searchDirs: [process.cwd(), homedir()],
  };
  let resolved: ResolvedConfig;
  try {
    resolved = await load(targets, options);
  } catch (err) {
    process.stderr.write(`memex-proxy: ${messageOf(err)}\n`);
    process.exitCode = 2;
    return;
  }
  if (options.printConfig) {
    process.stdout.write(
      JSON.stringify({ ...redacted(resolved.config), source: resolved.source }, null, 2) + '\n',
    );
    return;
  }
  const keeper = keepHistory((message) => {
    process.stderr.write(`memex-proxy: ${message}\n`);
  });
  await keeper.apply(resolved.config);
  let proxy: Proxy;
  try {
    proxy = await createProxy(resolved.config, undefined, withHistory(keeper));
  } catch (err) {
    // A config that must not be served is the user's to fix, like a bad file: exit 2.
    const known = err instanceof ListenError || err instanceof ConfigError;
    process.stderr.write(
      `memex-proxy: ${known ? err.message : `cannot start: ${messageOf(err)}`}\n`,
    );
    process.exitCode = err instanceof ConfigError ? 2 : 1;
    await keeper.close();
    return;
  }
  const otlp = keepOtlp(proxy.stats, readVersion(), (message) => {
    process.stderr.write(`memex-proxy: ${message}\n`);
  });
  await otlp.apply(resolved.config);
  // Watch before announcing, so a change made right after the listening line is not missed.
  serve(proxy, resolved.config, targets, options, { history: keeper, otlp });
  announce(proxy, resolved.source, resolved.config);
}

function withHistory(keeper: HistoryKeeper): ProxyOptions {
  return keeper.current === null ? {} : { history: keeper.current };
}

/** The effective config: defaults < file < environment < flags. */
async function load(targets: WatchTargets, options: CliOptions): Promise<ResolvedConfig> {
  const resolved = await resolveConfig({ ...targets, env: process.env });
  return { config: applyCliOptions(resolved.config, options), source: resolved.source };
}

// The password, the users' hashes, the metrics token and the collector's headers never reach a
// terminal or a log.
function redacted(config: Config): Config {
  const metrics =
    config.metrics.token === null ? config.metrics : { ...config.metrics, token: '(hidden)' };
  const otlp = { ...config.otlp, headers: hidden(config.otlp.headers) };
  const auth = config.auth;
  if (auth === null) return { ...config, metrics, otlp };
  const users = auth.users;
  return {
    ...config,
    metrics,
    otlp,
    auth: {
      ...(auth.username === undefined ? {} : { username: auth.username, password: '(hidden)' }),
      ...(users === undefined ? {} : { users: hidden(users) }),
    },
  };
}

function hidden(secrets: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(secrets).map((name) => [name, '(hidden)']));
}

function announce(proxy: Proxy, source: string | null, config: Config): void {
  // The address clients use: a listener on every interface is reached through loopback.
  const base = toClientOrigin({ ...proxy.address(), secure: proxy.tls });
  process.stdout.write(
    `memex-proxy listening on ${base}\n` +
      `  proxy:     HTTP_PROXY=${base} HTTPS_PROXY=${base}\n` +
      `  base URLs: ANTHROPIC_BASE_URL=${base}/anthropic OPENAI_BASE_URL=${base}/openai/v1\n` +
      `  stats:     ${base}/_memex/stats\n` +
      (config.history.path === null
        ? ''
        : `  history:   ${config.history.path} (${base}/_memex/history)\n`) +
      (config.otlp.endpoint === null ? '' : `  otlp:      ${metricsUrl(config.otlp.endpoint)}\n`) +
      `  config:    ${source ?? 'no config file found, using defaults'}\n`,
  );
}

function serve(
  first: Proxy,
  firstConfig: Config,
  targets: WatchTargets,
  options: CliOptions,
  { history: keeper, otlp }: { history: HistoryKeeper; otlp: OtlpKeeper },
): void {
  let proxy = first;
  let config = firstConfig;
  let reloading = Promise.resolve();

  // A failure inside one request must never end the process: report it and keep serving.
  process.on('uncaughtException', (err) => {
    process.stderr.write(
      `memex-proxy: internal error (kept running): ${err.stack ?? err.message}\n`,
    );
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`memex-proxy: unhandled rejection (kept running): ${String(reason)}\n`);
  });

  // `signal`: a SIGHUP asked for it, and is answered with a line even when nothing changed.
  const reload = async (signal?: NodeJS.Signals): Promise<void> => {
    let next: ResolvedConfig;
    try {
      next = await load(targets, options);
    } catch (err) {
      process.stderr.write(
        `memex-proxy: ${messageOf(err)}\nmemex-proxy: kept the last good config\n`,
      );
      return;
    }
    const before = proxy;
    try {
      proxy = await applyConfig(proxy, config, next.config);
    } catch (err) {
      process.stderr.write(
        `memex-proxy: ${messageOf(err)}\nmemex-proxy: kept the last good config\n`,
      );
      return;
    }
    if ((await keeper.apply(next.config)) || proxy !== before) proxy.useHistory(keeper.current);
    await otlp.apply(next.config);
    const changed = !isDeepStrictEqual(next.config, config);
    if (!changed && signal === undefined) return;
    config = next.config;
    const tls = config.tls === null ? '' : ` and the TLS certificate from ${config.tls.cert}`;
    process.stderr.write(
      `memex-proxy: ${signal === undefined ? '' : `${signal}: `}reloaded config from ` +
        `${next.source ?? 'defaults (no config file)'}${tls}\n`,
    );
    if (proxy !== before) announce(proxy, next.source, config);
  };
  const watcher = watchConfig(targets, () => {
    reloading = reloading.then(() => reload());
  });
  // systemctl reload (ExecReload=kill -HUP): after certbot renews the files behind tls.cert and
  // tls.key, or an edit the watcher cannot see (a config on a network file system).
  process.on('SIGHUP', (signal) => {
    reloading = reloading.then(() => reload(signal));
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`memex-proxy: ${signal} again, exiting now\n`);
      process.exit(0);
    }
    stopping = true;
    watcher.close();
    // close() stops listening before its first await, so once this notice is out, new
    // connections are already refused (scripts and tests wait on it). A reload in flight may
    // still swap in a new listener: that one is closed once it settles.
    const closing = proxy;
    // History and the OTLP push are closed last: the requests that finish while draining are
    // kept and pushed too.
    const closed = Promise.all([closing.close(DRAIN_MS), reloading])
      .then(() => (proxy === closing ? undefined : proxy.close(DRAIN_MS)))
      .then(() => Promise.all([keeper.close(), otlp.close()]));
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

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

void main(process.argv.slice(2));
