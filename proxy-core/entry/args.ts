// memex-proxy's command line: parsed and checked by a pure function, so every flag and every
// message is a row in a table test.

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import { isHttpUrl, isUpstreamName } from '../config/validate.js';

/** What the command line asks for; absent fields leave the config as it is. */
export interface CliOptions {
  /** A subcommand instead of the proxy: `hash-password` prints a hash for auth.users. */
  readonly command?: 'hash-password';
  readonly help: boolean;
  readonly version: boolean;
  readonly printConfig: boolean;
  readonly configFile?: string;
  readonly host?: string;
  readonly port?: number;
  readonly upstreams: Readonly<Record<string, string>>;
  readonly connectPorts?: readonly number[];
  readonly responseHeaderTimeoutMs?: number;
  /** Keep history in this SQLite file (absolute, or relative to the working directory). */
  readonly historyFile?: string;
}

export const USAGE = `Usage: memex-proxy [options]
       memex-proxy hash-password


A local proxy for LLM API traffic: forward proxy (HTTP_PROXY), CONNECT tunnels (HTTPS_PROXY)
and reverse routes for base URLs (ANTHROPIC_BASE_URL, OPENAI_BASE_URL).

Options:
  --host HOST                        address to listen on (default 127.0.0.1; any other address
                                     needs auth.username/auth.password in the config file)
  --port PORT                        port to listen on; 0 picks a free one (default 8080)
  --config FILE                      read this config file instead of searching for one
  --upstream NAME=URL                add or replace a reverse route /NAME/... (repeatable)
  --connect-ports P1,P2              ports a CONNECT may reach (default: any)
  --response-header-timeout-ms MS    504 when an upstream sends no headers in time (default 600000)
  --history FILE                     keep every request in this SQLite file (default: no history)
  --print-config                     print the effective config as JSON and exit
  --version                          print the version and exit
  --help                             print this help and exit

hash-password reads a password from stdin (typed without echo, or the first line of a pipe) and
prints its scrypt hash, for auth.users in the config file:
  auth:
    users:
      alice: <the printed hash>
`;

/** Parses argv (without node and the script); returns the options or a one-line error. */
export function parseCliArgs(argv: readonly string[]): CliOptions | { error: string } {
  if (argv[0] === 'hash-password') {
    const rest = argv.slice(1);
    if (rest.length === 0) return { ...NO_OPTIONS, command: 'hash-password' };
    if (rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h')) {
      return { ...NO_OPTIONS, help: true };
    }
    return { error: 'hash-password takes no arguments: it reads the password from stdin' };
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        config: { type: 'string' },
        upstream: { type: 'string', multiple: true },
        'connect-ports': { type: 'string' },
        'response-header-timeout-ms': { type: 'string' },
        history: { type: 'string' },
        'print-config': { type: 'boolean' },
        version: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    // parseArgs spreads some messages over lines ("argument is ambiguous.\nDid you forget…").
    const message = err instanceof Error ? err.message : String(err);
    return { error: message.replaceAll('\n', ' ') };
  }

  const upstreams: Record<string, string> = {};
  for (const spec of values.upstream ?? []) {
    const eq = spec.indexOf('=');
    const name = eq === -1 ? '' : spec.slice(0, eq);
    const url = eq === -1 ? '' : spec.slice(eq + 1);
    if (!isUpstreamName(name)) {
      return {
        error: `--upstream ${spec}: expected NAME=URL with a name of letters, digits, . _ -`,
      };
    }
    if (!isHttpUrl(url)) return { error: `--upstream ${spec}: "${url}" is not an http(s) URL` };
    upstreams[name] = url;
  }

  let options: CliOptions = {
    help: values.help === true,
    version: values.version === true,
    printConfig: values['print-config'] === true,
    upstreams,
  };
  if (values.host !== undefined) {
    if (values.host === '') return { error: '--host: empty host' };
    options = { ...options, host: values.host };
  }
  if (values.port !== undefined) {
    const port = toInteger(values.port);
    if (port === null || port > 65535) {
      return { error: `--port ${values.port}: expected a port number from 0 to 65535` };
    }
    options = { ...options, port };
  }
  if (values.config !== undefined) options = { ...options, configFile: values.config };
  if (values['connect-ports'] !== undefined) {
    const ports = values['connect-ports'].split(',').map((part) => toInteger(part.trim()));
    if (ports.some((port) => port === null || port < 1 || port > 65535)) {
      return {
        error: `--connect-ports ${values['connect-ports']}: expected ports from 1 to 65535, comma-separated`,
      };
    }
    options = { ...options, connectPorts: ports as number[] };
  }
  if (values['response-header-timeout-ms'] !== undefined) {
    const ms = toInteger(values['response-header-timeout-ms']);
    if (ms === null || ms === 0) {
      return {
        error: `--response-header-timeout-ms ${values['response-header-timeout-ms']}: expected a positive whole number of milliseconds`,
      };
    }
    options = { ...options, responseHeaderTimeoutMs: ms };
  }
  if (values.history !== undefined) {
    if (values.history === '') return { error: '--history: empty file name' };
    options = { ...options, historyFile: resolve(values.history) };
  }
  return options;
}

/** Applies command-line options on top of a config (flags win over everything else). */
export function applyCliOptions(config: Config, options: CliOptions): Config {
  return {
    ...config,
    host: options.host ?? config.host,
    port: options.port ?? config.port,
    upstreams: { ...config.upstreams, ...options.upstreams },
    connect_ports: options.connectPorts ?? config.connect_ports,
    timeouts: {
      ...config.timeouts,
      response_header_ms: options.responseHeaderTimeoutMs ?? config.timeouts.response_header_ms,
    },
    history: { ...config.history, path: options.historyFile ?? config.history.path },
  };
}

const NO_OPTIONS: CliOptions = { help: false, version: false, printConfig: false, upstreams: {} };

function toInteger(text: string): number | null {
  return /^\d{1,9}$/.test(text) ? Number(text) : null;
}
