// The packaging config, checked offline (issue #8): electron-builder loads electron-builder.yml and
// its schema accepts it; the generated app icons exist at every size the config points at; and a
// real `electron-builder --dir --linux --x64` run against a stub Electron (a file holding the fuse
// sentinel and wire, so the fuses can be flipped and read back) yields an app.asar with the app
// and its production dependencies, and nothing else.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { extractFile, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import type { Configuration, FuseOptionsV1 } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import {
  APP_ICON_DIR,
  ICNS_TYPES,
  LINUX_ICON_SIZES,
  WINDOWS_ICON_SIZES,
} from '../../build/app-icons.js';
import { ICON_STATES, iconFiles } from '../../build/icons.js';
import { RENDERER_FILES } from '../../build/renderer.js';

const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
const CLI = join(ROOT, 'node_modules/electron-builder/cli.js');

// @electron/fuses' sentinel: the fuse wire follows it as version, length, then one byte per fuse.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ENABLE = 0x31;
const DISABLE = 0x30;

type FuseKey = Exclude<keyof FuseOptionsV1, 'resetAdHocDarwinSignature'>;

/** The fuses electron-builder.yml must set: the hardening list. */
const HARDENED: Readonly<Partial<Record<FuseKey, boolean>>> = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  onlyLoadAppFromAsar: true,
  enableEmbeddedAsarIntegrityValidation: true,
};

/** Each fuse's config key and its place in the wire. */
const FUSES: readonly { key: FuseKey; index: number }[] = [
  { key: 'runAsNode', index: FuseV1Options.RunAsNode },
  { key: 'enableCookieEncryption', index: FuseV1Options.EnableCookieEncryption },
  {
    key: 'enableNodeOptionsEnvironmentVariable',
    index: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
  },
  { key: 'enableNodeCliInspectArguments', index: FuseV1Options.EnableNodeCliInspectArguments },
  {
    key: 'enableEmbeddedAsarIntegrityValidation',
    index: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
  },
  { key: 'onlyLoadAppFromAsar', index: FuseV1Options.OnlyLoadAppFromAsar },
  {
    key: 'loadBrowserProcessSpecificV8Snapshot',
    index: FuseV1Options.LoadBrowserProcessSpecificV8Snapshot,
  },
  {
    key: 'grantFileProtocolExtraPrivileges',
    index: FuseV1Options.GrantFileProtocolExtraPrivileges,
  },
];

/** The config exactly as electron-builder finds and loads it from the project root. */
function loadConfig(): Promise<Configuration> {
  return getConfig(ROOT, null, null);
}

/** What app.asar may hold (with the directories above each): what electron-builder.yml lists. */
const PACKAGED = [
  'package.json',
  'dist/main',
  'dist/proxy-core',
  'dist/shared',
  'dist/bin/proxy-worker.cjs',
  'dist/bin/history-thread.cjs',
  'dist/bin/origin-thread.cjs',
  'dist/renderer',
  'dist/icons/tray',
  'proxy-core/config/examples/memex.yml',
  'node_modules',
];

function isPackaged(file: string): boolean {
  return PACKAGED.some(
    (place) => file === place || file.startsWith(`${place}/`) || place.startsWith(`${file}/`),
  );
}

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
}

interface PackageId {
  name: string;
  version: string;
}

/** The installed packages the app needs at run time, as `name@version`: `dependencies`,
 * followed transitively the way Node resolves them (nearest node_modules first). */
async function productionPackages(): Promise<Set<string>> {
  const found = new Set<string>();
  const locate = async (from: string, name: string): Promise<string | undefined> => {
    for (let dir = from; dir.startsWith(ROOT); dir = dirname(dir)) {
      if (basename(dir) === 'node_modules') continue;
      const candidate = join(dir, 'node_modules', name);
      const exists = await readManifest(candidate).then(
        () => true,
        () => false,
      );
      if (exists) return candidate;
    }
    return undefined;
  };
  const visit = async (from: string): Promise<void> => {
    const manifest = await readManifest(from);
    for (const name of Object.keys({
      ...manifest.dependencies,
      ...manifest.optionalDependencies,
    })) {
      const dir = await locate(from, name);
      if (dir === undefined) continue;
      const { version } = (await readManifest(dir)) as Manifest & PackageId;
      if (found.has(`${name}@${version}`)) continue;
      found.add(`${name}@${version}`);
      await visit(dir);
    }
  };
  await visit(ROOT);
  return found;
}

function pngSize(bytes: Buffer): number {
  assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a');
  assert.equal(bytes.readUInt32BE(16), bytes.readUInt32BE(20), 'square');
  return bytes.readUInt32BE(16);
}

function stringAt(config: object, key: string): string {
  const value = (config as Record<string, unknown>)[key];
  assert.equal(typeof value, 'string', key);
  return value as string;
}

/** Runs the electron-builder CLI from node_modules; resolves with its exit code and output. */
function runBuilder(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      // No downloads: with electronDist set nothing should be fetched, and were anything tried
      // (Electron, electron-builder's tools) these mirrors make it fail at once, not hang.
      env: {
        ...process.env,
        CI: 'true',
        ELECTRON_MIRROR: 'http://127.0.0.1:9/',
        ELECTRON_BUILDER_BINARIES_MIRROR: 'http://127.0.0.1:9/',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, output });
    });
  });
}

/** A stand-in Electron distribution: an `electron` file whose fuse wire is the opposite of
 * what the config asks for, so a passing read-back proves every fuse was flipped. */
async function writeStubElectron(dir: string, fuses: FuseOptionsV1): Promise<void> {
  await mkdir(dir, { recursive: true });
  const wire = Buffer.alloc(FUSES.length, DISABLE);
  for (const { key, index } of FUSES) wire[index] = fuses[key] === false ? ENABLE : DISABLE;
  const file = join(dir, 'electron');
  await writeFile(
    file,
    Buffer.concat([
      Buffer.from('#!/bin/sh\n# stub Electron for test/build/packaging.test.ts\nexit 0\n'),
      Buffer.from(SENTINEL, 'latin1'),
      Buffer.from([1, FUSES.length]),
      wire,
      Buffer.from('\n'),
    ]),
  );
  await chmod(file, 0o755);
}

test('electron-builder loads electron-builder.yml and its schema accepts it', async () => {
  const config = await loadConfig();
  await validateConfiguration(config, new DebugLogger(false));
  // A misspelt key must fail the same validation.
  const typo = { ...config, linux: { ...config.linux, categroy: 'Development' } };
  await assert.rejects(validateConfiguration(typo, new DebugLogger(false)), /configuration\.linux/);
});

test('the config asks for each OS what the issue says', async () => {
  const config = await loadConfig();
  assert.equal(config.appId, 'dev.memex.app');
  assert.equal(config.productName, 'memex');
  const { linux, mac, win, nsis, electronFuses } = config;
  assert.ok(linux && mac && win && nsis && electronFuses);
  assert.equal(linux.category, 'Development');
  assert.deepEqual(linux.target, ['AppImage', 'deb']);
  assert.deepEqual(mac.target, ['dmg']);
  assert.equal((mac.extendInfo as Record<string, unknown>).LSUIElement, true);
  assert.equal(mac.hardenedRuntime, true);
  const entitlements = await readFile(join(ROOT, mac.entitlements ?? 'missing'), 'utf8');
  assert.match(entitlements, /<plist version="1.0">/);
  assert.match(entitlements, /com\.apple\.security\.cs\.allow-jit/);
  assert.deepEqual(win.target, ['nsis']);
  assert.equal(nsis.oneClick, true);
  assert.equal(nsis.perMachine, false);
  for (const [key, value] of Object.entries(HARDENED)) {
    assert.equal(electronFuses[key as FuseKey], value, key);
  }
});

test('the generated app icons exist at every size the config points at', async () => {
  const config = await loadConfig();
  assert.ok(config.linux && config.mac && config.win);

  // Linux: a directory of <size>x<size>.png, 512 the largest a desktop asks for.
  assert.equal(stringAt(config.linux, 'icon'), `${APP_ICON_DIR}/png`);
  for (const size of LINUX_ICON_SIZES) {
    const png = await readFile(join(ROOT, APP_ICON_DIR, 'png', `${size}x${size}.png`));
    assert.equal(pngSize(png), size);
  }
  assert.ok(LINUX_ICON_SIZES.includes(512));

  // macOS: every .icns element holds a PNG of its type's size, 16 to 1024.
  const icns = await readFile(join(ROOT, stringAt(config.mac, 'icon')));
  assert.equal(icns.toString('latin1', 0, 4), 'icns');
  assert.equal(icns.readUInt32BE(4), icns.length);
  const found: { type: string; size: number }[] = [];
  for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) {
    const type = icns.toString('latin1', at, at + 4);
    found.push({ type, size: pngSize(icns.subarray(at + 8, at + icns.readUInt32BE(at + 4))) });
  }
  assert.deepEqual(found, ICNS_TYPES);

  // Windows: the .ico holds every size, 256 (stored as 0) included.
  const ico = await readFile(join(ROOT, stringAt(config.win, 'icon')));
  assert.equal(ico.readUInt16LE(2), 1, 'type 1 = icon');
  const sizes: number[] = [];
  for (let index = 0; index < ico.readUInt16LE(4); index++) {
    sizes.push(ico.readUInt8(6 + index * 16) || 256);
  }
  assert.deepEqual(
    sizes.sort((a, b) => a - b),
    [...WINDOWS_ICON_SIZES],
  );
});

test('electron-builder --dir packs the app and production dependencies only, fuses flipped', async (t) => {
  const work = await mkdtemp(join(tmpdir(), 'memex-packaging-'));
  t.after(() => rm(work, { recursive: true, force: true }));
  const config = await loadConfig();
  assert.ok(config.electronFuses);
  await writeStubElectron(join(work, 'electron-dist'), config.electronFuses);

  const { code, output } = await runBuilder(
    [
      '--dir',
      '--linux',
      '--x64',
      '--publish',
      'never',
      `--config.electronDist=${join(work, 'electron-dist')}`,
      `--config.directories.output=${join(work, 'out')}`,
    ],
    ROOT,
  );
  assert.equal(code, 0, output);
  assert.match(output, /loaded configuration\s+file=.*electron-builder\.yml/);

  const appDir = join(work, 'out', 'linux-unpacked');
  const asar = join(appDir, 'resources', 'app.asar');
  const files = new Set(
    listPackage(asar, { isPack: false }).map((file) => file.slice(1).replaceAll('\\', '/')),
  );

  const packaged = JSON.parse(extractFile(asar, 'package.json').toString()) as {
    main: string;
    type: string;
  };
  assert.equal(packaged.main, 'dist/main/main.js');
  assert.equal(packaged.type, 'module');
  const wanted = [
    packaged.main,
    'dist/main/preload.cjs',
    'dist/bin/proxy-worker.cjs',
    'dist/bin/history-thread.cjs',
    'dist/bin/origin-thread.cjs',
    'proxy-core/config/examples/memex.yml',
    ...RENDERER_FILES.map((file) => `dist/renderer/${file}`),
    ...iconFiles().map(({ name }) => `dist/icons/tray/${name}`),
    ...ICON_STATES.map((state) => `dist/icons/tray/${state}.ico`),
  ];
  for (const file of wanted) assert.ok(files.has(file), `${file} is packaged`);

  // Everything else is a production dependency: no tests, sources, maps or build scripts.
  const stray = [...files].filter((file) => /\.(ts|map)$/.test(file) || !isPackaged(file));
  assert.deepEqual(stray, []);

  // The same packages, name and version, as `dependencies` pull in (electron-builder may hoist
  // them differently from npm), and no devDependency that no dependency needs.
  const production = await productionPackages();
  const inAsar = [...files].flatMap((file) => {
    if (!/(^|\/)node_modules\/(@[^/]+\/)?[^/@][^/]*\/package\.json$/.test(file)) return [];
    const { name, version } = JSON.parse(extractFile(asar, file).toString()) as PackageId;
    return [`${name}@${version}`];
  });
  assert.deepEqual(new Set(inAsar), production, 'exactly the production packages');
  const productionNames = new Set([...production].map((id) => id.slice(0, id.lastIndexOf('@'))));
  const manifest = await readManifest(ROOT);
  const devOnly = Object.keys(manifest.devDependencies ?? {}).filter(
    (name) => !productionNames.has(name),
  );
  assert.ok(devOnly.includes('electron') && devOnly.includes('typescript'));
  for (const name of devOnly) assert.ok(!files.has(`node_modules/${name}`), `${name} is dev-only`);

  const fuses: FuseOptionsV1 = config.electronFuses;
  const wire = (await getCurrentFuseWire(join(appDir, 'memex'))) as Partial<Record<number, number>>;
  for (const { key, index } of FUSES) {
    const wantedFuse = fuses[key];
    if (wantedFuse !== undefined) assert.equal(wire[index], wantedFuse ? ENABLE : DISABLE, key);
  }
});
