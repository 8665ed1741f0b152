// Finding and reading config files: the fixed search order, the format from the file name, and
// the environment layered on top (MEMEX_HOST, MEMEX_PORT; MEMEX_CONFIG names a file).

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, errnoOf } from '../errors.js';
import { DEFAULT_CONFIG, type Config, type ConfigFormat } from './config.js';

/** File names searched in each directory, in this order; the first that exists wins. */
export const CONFIG_FILE_NAMES = [
  'memex.yml',
  '.memex.yml',
  '.config/memex.yml',
  'memex.yaml',
  '.memex.yaml',
  '.config/memex.yaml',
  'memex.toml',
  '.memex.toml',
  '.config/memex.toml',
] as const;

/** The effective config and where it came from. */
export interface ResolvedConfig {
  readonly config: Config;
  /** The file read, or null when none was found and defaults served. */
  readonly source: string | null;
}

export interface ResolveOptions {
  /** A file named by --config or MEMEX_CONFIG: read it, and search nowhere. */
  readonly file?: string | undefined;
  /** Directories to search in order (memex-proxy: cwd, then home; the app: home). */
  readonly searchDirs: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The format of a config file, from its extension. */
export function formatOf(file: string): ConfigFormat | null {
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  if (/\.toml$/i.test(file)) return 'toml';
  return null;
}

/** The first config file that exists, searching `dirs` in order and names in CONFIG_FILE_NAMES order. */
export async function findConfigFile(dirs: readonly string[]): Promise<string | null> {
  for (const dir of dirs) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (await isFile(candidate)) return candidate;
    }
  }
  return null;
}

/** Reads and checks one config file, layered on `base`. */
export async function loadConfigFile(file: string, base: Config = DEFAULT_CONFIG): Promise<Config> {
  const format = formatOf(file);
  if (format === null) {
    throw new ConfigError('CONFIG_UNREADABLE', file, [
      { keyPath: '', message: 'a config file name must end in .yml, .yaml or .toml' },
    ]);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const errno = errnoOf(err);
    throw new ConfigError(
      errno === 'ENOENT' ? 'CONFIG_NOT_FOUND' : 'CONFIG_UNREADABLE',
      file,
      [
        {
          keyPath: '',
          message:
            errno === 'ENOENT'
              ? 'config file does not exist'
              : `cannot read config file (${errno ?? String(err)})`,
        },
      ],
      { cause: err },
    );
  }
  // Loaded on first use: the YAML parser alone is ~12 MiB of memory a proxy without a config
  // file never needs.
  const { parseConfig } = await import('./parse.js');
  return parseConfig(text, format, file, base);
}

/** Resolves the config: defaults < file < environment. Command-line flags go on top of this. */
export async function resolveConfig(options: ResolveOptions): Promise<ResolvedConfig> {
  const named = namedConfigFile(options.file, options.env);
  const source = named ?? (await findConfigFile(options.searchDirs));
  const fromFile = source === null ? DEFAULT_CONFIG : await loadConfigFile(source);
  return { config: applyEnv(fromFile, options.env), source };
}

/** The file named by --config, else by MEMEX_CONFIG; undefined means: search. */
export function namedConfigFile(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  return flag ?? nonEmpty(env['MEMEX_CONFIG']);
}

/** Layers MEMEX_HOST and MEMEX_PORT on a config. */
export function applyEnv(
  config: Config,
  env: Readonly<Record<string, string | undefined>>,
): Config {
  const host = nonEmpty(env['MEMEX_HOST']);
  const portText = nonEmpty(env['MEMEX_PORT']);
  let port = config.port;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
      throw new ConfigError('CONFIG_INVALID', 'environment', [
        {
          keyPath: 'MEMEX_PORT',
          message: `${JSON.stringify(portText)} is not a port from 0 to 65535`,
        },
      ]);
    }
    port = Number(portText);
  }
  return { ...config, host: host ?? config.host, port };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
