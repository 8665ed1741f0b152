// memex-proxy with config files, spawned as users run it: discovery from the working and home
// directories, precedence, errors that name file:line:key, and live reload of a running proxy.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { send } from '../../helpers/client.js';
import { runToExit, spawnProcess, type Spawned } from '../../helpers/process-spawn.js';
import { startUpstream, type Upstream } from '../../helpers/servers.js';

const CLI = fileURLToPath(new URL('../../../bin/memex-proxy.cjs', import.meta.url));

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-cli-config-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A working directory and a home directory, both empty, and an environment that uses them. */
async function places(
  t: TestContext,
): Promise<{ cwd: string; home: string; env: NodeJS.ProcessEnv }> {
  const cwd = await tempDir(t);
  const home = await tempDir(t);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  delete env['MEMEX_CONFIG'];
  delete env['MEMEX_HOST'];
  delete env['MEMEX_PORT'];
  return { cwd, home, env };
}

async function printConfig(
  t: TestContext,
  cwd: string,
  env: NodeJS.ProcessEnv,
  args: readonly string[] = [],
): Promise<{
  port: number;
  host: string;
  source: string | null;
  upstreams: Record<string, string>;
}> {
  const result = await runToExit(t, process.execPath, [CLI, '--print-config', ...args], {
    cwd,
    env,
  });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout.toString('utf8')) as {
    port: number;
    host: string;
    source: string | null;
    upstreams: Record<string, string>;
  };
}

test('--print-config reads a file in the working directory before one in the home directory', async (t) => {
  const { cwd, home, env } = await places(t);
  assert.equal((await printConfig(t, cwd, env)).source, null);

  await writeFile(join(home, 'memex.toml'), 'port = 9100\n');
  const fromHome = await printConfig(t, cwd, env);
  assert.equal(fromHome.source, join(home, 'memex.toml'));
  assert.equal(fromHome.port, 9100);

  await mkdir(join(cwd, '.config'));
  await writeFile(join(cwd, '.config', 'memex.yaml'), 'port: 9200\n');
  const fromCwd = await printConfig(t, cwd, env);
  assert.equal(fromCwd.source, join(cwd, '.config', 'memex.yaml'));
  assert.equal(fromCwd.port, 9200);
});

test('flags beat the environment, which beats the file', async (t) => {
  const { cwd, env } = await places(t);
  await writeFile(join(cwd, 'memex.yml'), 'host: 127.0.0.3\nport: 9300\n');
  const withEnv = { ...env, MEMEX_PORT: '9301', MEMEX_HOST: '127.0.0.4' };
  const fromEnv = await printConfig(t, cwd, withEnv);
  assert.equal(fromEnv.port, 9301);
  assert.equal(fromEnv.host, '127.0.0.4');
  const fromFlags = await printConfig(t, cwd, withEnv, ['--port', '9302', '--host', '127.0.0.5']);
  assert.equal(fromFlags.port, 9302);
  assert.equal(fromFlags.host, '127.0.0.5');
  assert.equal(fromFlags.source, join(cwd, 'memex.yml'));
});

test('--config and MEMEX_CONFIG name a file and skip discovery', async (t) => {
  const { cwd, env } = await places(t);
  await writeFile(join(cwd, 'memex.yml'), 'port: 9400\n');
  await writeFile(
    join(cwd, 'other.toml'),
    'port = 9401\n[upstreams]\nlocal = "http://127.0.0.1:1"\n',
  );
  const named = await printConfig(t, cwd, env, ['--config', join(cwd, 'other.toml')]);
  assert.equal(named.port, 9401);
  assert.equal(named.upstreams['local'], 'http://127.0.0.1:1');
  const fromEnv = await printConfig(t, cwd, { ...env, MEMEX_CONFIG: join(cwd, 'other.toml') });
  assert.equal(fromEnv.source, join(cwd, 'other.toml'));
});

test('a bad config exits 2 with file, line, column and key on stderr', async (t) => {
  const { cwd, env } = await places(t);
  await writeFile(join(cwd, 'memex.yml'), 'port: 8080\nupstreams:\n  openai: "htp://x"\n');
  for (const args of [['--print-config'], ['--port', '0']]) {
    const result = await runToExit(t, process.execPath, [CLI, ...args], { cwd, env });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `memex-proxy: ${join(cwd, 'memex.yml')}:3:3: upstreams.openai: "htp://x" is not an http(s) URL\n`,
    );
    assert.equal(result.stdout.length, 0);
  }
  const missing = await runToExit(t, process.execPath, [CLI, '--config', join(cwd, 'no.yml')], {
    cwd,
    env,
  });
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr, `memex-proxy: ${join(cwd, 'no.yml')}: config file does not exist\n`);
});

async function namedUpstream(t: TestContext, name: string): Promise<Upstream> {
  return startUpstream(t, (req, res) => {
    req.resume();
    res.end(name);
  });
}

async function startCli(
  t: TestContext,
  cwd: string,
  env: NodeJS.ProcessEnv,
  args: readonly string[],
): Promise<{ cli: Spawned; url: string }> {
  const cli = spawnProcess(t, process.execPath, [CLI, '--port', '0', ...args], { cwd, env });
  const line = await cli.line('stdout', /listening on http:\/\//);
  const url = /listening on (http:\/\/\S+)/.exec(line)?.[1];
  assert.ok(url !== undefined, line);
  return { cli, url };
}

async function bodyOf(url: string): Promise<string> {
  const res = await send(`${url}/anthropic/v1/messages`, { method: 'POST' }, '{}');
  return res.body.toString('utf8');
}

test('a running proxy reloads a saved config, keeps the last good one on a broken edit, and follows save-by-rename', async (t) => {
  const { cwd, env } = await places(t);
  const a = await namedUpstream(t, 'upstream-a');
  const b = await namedUpstream(t, 'upstream-b');
  const c = await namedUpstream(t, 'upstream-c');
  const file = join(cwd, 'memex.yml');
  await writeFile(file, `upstreams:\n  anthropic: ${a.url}\n`);
  const { cli, url } = await startCli(t, cwd, env, []);
  assert.match(cli.stdout(), new RegExp(`config: +${file.replace(/[.]/g, '\\.')}`));
  assert.equal(await bodyOf(url), 'upstream-a');

  // An in-place write.
  await writeFile(file, `upstreams:\n  anthropic: ${b.url}\n`);
  await cli.line('stderr', /reloaded config from .*memex\.yml/);
  assert.equal(await bodyOf(url), 'upstream-b');

  // A broken edit: reported with file:line, and traffic keeps flowing to the last good upstream.
  await writeFile(file, `upstreams:\n  anthropic: ${b.url}\nprot: 1\n`);
  const error = await cli.line('stderr', /unknown key/);
  assert.equal(
    error,
    `memex-proxy: ${file}:3:1: prot: unknown key (did you mean "port"?); known keys: host, port, upstreams, connect_ports, timeouts, auth, tls, pricing, notify, attribution, history, inspector, metrics, otlp`,
  );
  await cli.line('stderr', /kept the last good config/);
  assert.equal(await bodyOf(url), 'upstream-b');

  // Save by rename, as vim and VS Code do.
  const temporary = join(cwd, '.memex.yml.swp');
  await writeFile(temporary, `upstreams:\n  anthropic: ${c.url}\n`);
  await rename(temporary, file);
  await cli.line('stderr', /reloaded config from/, 2);
  assert.equal(await bodyOf(url), 'upstream-c');
});

test('a file created after start is found by the directories discovery searched', async (t) => {
  const { cwd, env } = await places(t);
  const a = await namedUpstream(t, 'upstream-a');
  const { cli, url } = await startCli(t, cwd, env, []);
  assert.match(cli.stdout(), /config: +no config file found, using defaults/);
  await mkdir(join(cwd, '.config'));
  await writeFile(join(cwd, '.config', 'memex.toml'), `[upstreams]\nanthropic = "${a.url}"\n`);
  await cli.line('stderr', /reloaded config from .*\.config\/memex\.toml/);
  assert.equal(await bodyOf(url), 'upstream-a');
});

test('a changed host re-listens: the new listener is up before the old one closes', async (t) => {
  const { cwd, env } = await places(t);
  const a = await namedUpstream(t, 'upstream-a');
  const file = join(cwd, 'memex.toml');
  await writeFile(file, `host = "127.0.0.1"\n[upstreams]\nanthropic = "${a.url}"\n`);
  const { cli, url } = await startCli(t, cwd, env, []);
  assert.equal(await bodyOf(url), 'upstream-a');

  await writeFile(file, `host = "127.0.0.2"\n[upstreams]\nanthropic = "${a.url}"\n`);
  const line = await cli.line('stdout', /listening on http:\/\/127\.0\.0\.2:/);
  const moved = /listening on (http:\/\/\S+)/.exec(line)?.[1];
  assert.ok(moved !== undefined);
  assert.equal(await bodyOf(moved), 'upstream-a');
  await assert.rejects(bodyOf(url), { code: 'ECONNREFUSED' });
});

test('--print-config hides the proxy password, the metrics token and the OTLP headers', async (t) => {
  const { cwd, env } = await places(t);
  await writeFile(
    join(cwd, 'memex.yml'),
    'auth:\n  username: ada\n  password: pw-SECRET-1\nmetrics:\n  token: tok-SECRET-2\n' +
      'otlp:\n  endpoint: http://127.0.0.1:4318\n  headers:\n    x-api-key: key-SECRET-3\n',
  );
  const result = await runToExit(t, process.execPath, [CLI, '--print-config'], { cwd, env });
  assert.equal(result.code, 0, result.stderr);
  const text = result.stdout.toString('utf8');
  assert.equal(text.includes('SECRET'), false);
  const printed = JSON.parse(text) as {
    auth: { password: string };
    metrics: { token: string };
    otlp: { endpoint: string; headers: Record<string, string> };
  };
  assert.equal(printed.auth.password, '(hidden)');
  assert.equal(printed.metrics.token, '(hidden)');
  assert.deepEqual(printed.otlp.headers, { 'x-api-key': '(hidden)' });
  assert.equal(printed.otlp.endpoint, 'http://127.0.0.1:4318');
});
