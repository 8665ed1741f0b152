import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DEFAULT_CONFIG } from '../../../proxy-core/config/config.js';
import { ConfigError } from '../../../proxy-core/errors.js';
import {
  applyEnv,
  CONFIG_FILE_NAMES,
  findConfigFile,
  formatOf,
  loadConfigFile,
  resolveConfig,
} from '../../../proxy-core/config/file.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function put(dir: string, name: string, text = ''): Promise<void> {
  const path = join(dir, name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

// Each row: the files present in one directory, and which of them discovery must pick.
const DISCOVERY: readonly (readonly [readonly string[], string | null])[] = [
  [[], null],
  [['memex.yml'], 'memex.yml'],
  [['.memex.yml', 'memex.toml'], '.memex.yml'],
  [['memex.yml', '.memex.yml', '.config/memex.yml'], 'memex.yml'],
  [['.config/memex.yml', 'memex.yaml'], '.config/memex.yml'],
  [['memex.yaml', '.memex.yaml'], 'memex.yaml'],
  [['.memex.yaml', '.config/memex.yaml', 'memex.toml'], '.memex.yaml'],
  [['.config/memex.yaml', 'memex.toml'], '.config/memex.yaml'],
  [['memex.toml', '.memex.toml', '.config/memex.toml'], 'memex.toml'],
  [['.memex.toml', '.config/memex.toml'], '.memex.toml'],
  [['.config/memex.toml'], '.config/memex.toml'],
  [['memex.json', 'memex.yml.bak'], null],
  [[...CONFIG_FILE_NAMES].reverse(), 'memex.yml'],
];

test('discovery picks the first file in the fixed order', async (t) => {
  for (const [present, expected] of DISCOVERY) {
    const dir = await tempDir(t);
    for (const name of present) await put(dir, name);
    assert.equal(
      await findConfigFile([dir]),
      expected === null ? null : join(dir, expected),
      `present: ${present.join(', ')}`,
    );
  }
});

test('discovery searches directories in order: any file in the first beats all in the second', async (t) => {
  const cwd = await tempDir(t);
  const home = await tempDir(t);
  await put(home, 'memex.yml');
  await put(cwd, '.config/memex.toml');
  assert.equal(await findConfigFile([cwd, home]), join(cwd, '.config/memex.toml'));
  assert.equal(await findConfigFile([await tempDir(t), home]), join(home, 'memex.yml'));
});

test('a directory named like a config file is not a config file', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'memex.yml'));
  await put(dir, 'memex.toml', 'port = 1\n');
  assert.equal(await findConfigFile([dir]), join(dir, 'memex.toml'));
});

test('the format comes from the file name', () => {
  assert.equal(formatOf('a/memex.yml'), 'yaml');
  assert.equal(formatOf('.memex.YAML'), 'yaml');
  assert.equal(formatOf('x.toml'), 'toml');
  assert.equal(formatOf('memex.json'), null);
});

test('a named file that does not exist is an error, not a fall-back to defaults', async (t) => {
  const dir = await tempDir(t);
  await put(dir, 'memex.yml', 'port: 1\n');
  const missing = join(dir, 'nope.yml');
  await assert.rejects(
    resolveConfig({ file: missing, searchDirs: [dir], env: {} }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, 'CONFIG_NOT_FOUND');
      assert.equal(err.message, `${missing}: config file does not exist`);
      return true;
    },
  );
  await assert.rejects(
    resolveConfig({ searchDirs: [dir], env: { MEMEX_CONFIG: missing } }),
    /config file does not exist/,
  );
});

test('a named file with another extension is refused with a clear message', async (t) => {
  const dir = await tempDir(t);
  await put(dir, 'memex.json', '{}');
  await assert.rejects(
    loadConfigFile(join(dir, 'memex.json')),
    /must end in \.yml, \.yaml or \.toml/,
  );
});

test('no file anywhere gives the defaults with source null', async (t) => {
  const resolved = await resolveConfig({ searchDirs: [await tempDir(t)], env: {} });
  assert.deepEqual(resolved, { config: DEFAULT_CONFIG, source: null });
});

test('precedence: environment over file over defaults; a named file skips discovery', async (t) => {
  const dir = await tempDir(t);
  await put(dir, 'memex.yml', 'host: 127.0.0.5\nport: 9001\n');
  await put(dir, 'other.toml', 'port = 9002\n');

  const fromFile = await resolveConfig({ searchDirs: [dir], env: {} });
  assert.equal(fromFile.source, join(dir, 'memex.yml'));
  assert.equal(fromFile.config.port, 9001);
  assert.equal(fromFile.config.host, '127.0.0.5');

  const fromEnv = await resolveConfig({
    searchDirs: [dir],
    env: { MEMEX_PORT: '9003', MEMEX_HOST: '127.0.0.6' },
  });
  assert.equal(fromEnv.config.port, 9003);
  assert.equal(fromEnv.config.host, '127.0.0.6');

  const named = await resolveConfig({
    searchDirs: [dir],
    env: { MEMEX_CONFIG: join(dir, 'other.toml') },
  });
  assert.equal(named.source, join(dir, 'other.toml'));
  assert.equal(named.config.port, 9002);
  assert.equal(named.config.host, DEFAULT_CONFIG.host);

  const flagBeatsEnv = await resolveConfig({
    file: join(dir, 'memex.yml'),
    searchDirs: [],
    env: { MEMEX_CONFIG: join(dir, 'other.toml') },
  });
  assert.equal(flagBeatsEnv.config.port, 9001);
});

test('a bad MEMEX_PORT is an error naming the variable', () => {
  assert.throws(() => applyEnv(DEFAULT_CONFIG, { MEMEX_PORT: '80a' }), {
    message: 'environment: MEMEX_PORT: "80a" is not a port from 0 to 65535',
  });
  assert.equal(applyEnv(DEFAULT_CONFIG, { MEMEX_PORT: '' }).port, 8080);
});

test('the example files in the repo parse to exactly the defaults', async () => {
  for (const name of ['memex.yml', 'memex.toml']) {
    const path = new URL(`../../../../proxy-core/config/examples/${name}`, import.meta.url)
      .pathname;
    assert.deepEqual(await loadConfigFile(path), DEFAULT_CONFIG, name);
  }
});
