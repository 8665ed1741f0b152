// The tray app's config file: found in the home directory only (DESIGN.md, Config), watched for
// live reload, and created from the commented example when the user asks to open it and none
// exists yet.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findConfigFile,
  namedConfigFile,
  resolveConfig,
  type ResolvedConfig,
} from '../proxy-core/config/file.js';
import { watchConfig, type ConfigWatcher } from '../proxy-core/config/watch.js';

export interface AppConfigPlaces {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const EXAMPLE = fileURLToPath(
  new URL('../../proxy-core/config/examples/memex.yml', import.meta.url),
);

/** Where a new config file goes: ~/.config/memex.yml, one of the names discovery reads. */
export function newConfigPath(homeDir: string): string {
  return join(homeDir, '.config', 'memex.yml');
}

/** Reads the effective config (MEMEX_CONFIG, else the first file in the home directory). */
export function loadAppConfig(places: AppConfigPlaces): Promise<ResolvedConfig> {
  return resolveConfig({ searchDirs: [places.homeDir], env: places.env });
}

/** Calls `onChange` after each change to the app's config file, or to where one would go. */
export function watchAppConfig(places: AppConfigPlaces, onChange: () => void): ConfigWatcher {
  return watchConfig(
    { file: namedConfigFile(undefined, places.env), searchDirs: [places.homeDir] },
    onChange,
  );
}

/** The config file in use; when there is none, copies the commented example into place first. */
export async function ensureConfigFile(places: AppConfigPlaces): Promise<string> {
  const named = namedConfigFile(undefined, places.env);
  if (named !== undefined) return named;
  const found = await findConfigFile([places.homeDir]);
  if (found !== null) return found;
  const path = newConfigPath(places.homeDir);
  await mkdir(dirname(path), { recursive: true });
  // Read then write rather than copyFile: in the packaged app the example sits inside app.asar,
  // which Electron's fs patches serve to readFile but not to every copy call. 'wx': never
  // overwrite a file that appeared in the meantime.
  await writeFile(path, await readFile(EXAMPLE), { flag: 'wx' });
  return path;
}
