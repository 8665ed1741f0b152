import assert from 'node:assert/strict';
import { once } from '../../helpers/events.js';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CONFIG } from '../../../proxy-core/config/config.js';
import { send } from '../../helpers/client.js';
import { runToExit, spawnProcess, withGuard, type Spawned } from '../../helpers/process-spawn.js';
import { occupyPort, startUpstream } from '../../helpers/servers.js';

const CLI = fileURLToPath(new URL('../../../bin/memex-proxy.cjs', import.meta.url));
const PACKAGE = JSON.parse(
  readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8'),
) as { version: string };

function runCli(t: TestContext, args: readonly string[]) {
  return runToExit(t, process.execPath, [CLI, ...args]);
}

/** Spawns the CLI and resolves once it prints its listening line, with the port it names. */
async function startCli(
  t: TestContext,
  args: readonly string[],
): Promise<{ cli: Spawned; port: number; url: string }> {
  const cli = spawnProcess(t, process.execPath, [CLI, '--port', '0', ...args]);
  const line = await cli.line('stdout', /listening on http:\/\/127\.0\.0\.1:\d+/);
  const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1]);
  assert.ok(port > 0, line);
  return { cli, port, url: `http://127.0.0.1:${port}` };
}

/** Resolves with the error a connection attempt to 127.0.0.1:port fails with (or null). */
async function connectError(port: number): Promise<NodeJS.ErrnoException | null> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return null;
  } catch (err) {
    return err as NodeJS.ErrnoException;
  } finally {
    socket.destroy();
  }
}

test('with --port 0 it prints the address it listens on and that port accepts requests', async (t) => {
  const { url } = await startCli(t, []);

  const res = await send(`${url}/_memex/stats`);

  assert.equal(res.status, 200);
  const stats = JSON.parse(res.body.toString('utf8')) as { requests: Record<string, number> };
  assert.equal(stats.requests['anthropic'], 0);
});

test('--help prints the usage and exits 0', async (t) => {
  const result = await runCli(t, ['--help']);

  assert.equal(result.code, 0);
  assert.match(result.stdout.toString(), /^Usage: memex-proxy/);
  assert.match(result.stdout.toString(), /--print-config/);
  assert.equal(result.stderr, '');
});

test("--version prints package.json's version and exits 0", async (t) => {
  const result = await runCli(t, ['--version']);

  assert.equal(result.code, 0);
  assert.equal(result.stdout.toString(), `memex-proxy ${PACKAGE.version}\n`);
});

test('--print-config prints the effective config as JSON with the flags applied and source null', async (t) => {
  const result = await runCli(t, [
    '--print-config',
    '--host',
    'localhost',
    '--port',
    '9123',
    '--upstream',
    'anthropic=http://127.0.0.1:4000',
    '--upstream',
    'gemini=https://example.test/base',
    '--connect-ports',
    '443, 8443',
    '--response-header-timeout-ms',
    '1500',
  ]);

  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout.toString()), {
    ...DEFAULT_CONFIG,
    source: null,
    host: 'localhost',
    port: 9123,
    upstreams: {
      ...DEFAULT_CONFIG.upstreams,
      anthropic: 'http://127.0.0.1:4000',
      gemini: 'https://example.test/base',
    },
    connect_ports: [443, 8443],
    timeouts: { ...DEFAULT_CONFIG.timeouts, response_header_ms: 1500 },
  });
});

const BAD_ARGS: readonly (readonly [string, readonly string[], string])[] = [
  ['an unknown flag', ['--bogus'], '--bogus'],
  ['a port out of range', ['--port', '70000'], '--port'],
  ['a port that is not a number', ['--port', 'eighty'], '--port'],
  ['an upstream without a URL', ['--upstream', 'anthropic'], '--upstream'],
  ['an upstream that is not http(s)', ['--upstream', 'x=ftp://127.0.0.1/'], '--upstream'],
  ['a CONNECT port of 0', ['--connect-ports', '443,0'], '--connect-ports'],
  ['a zero timeout', ['--response-header-timeout-ms', '0'], '--response-header-timeout-ms'],
  ['a flag missing its value', ['--host'], '--host'],
];

for (const [what, args, named] of BAD_ARGS) {
  test(`${what} exits 2 with a message naming ${named} on stderr`, async (t) => {
    const result = await runCli(t, args);

    assert.equal(result.code, 2);
    assert.equal(result.stdout.length, 0);
    const [first] = result.stderr.split('\n');
    assert.ok(first?.includes(named), `first stderr line does not name ${named}: ${first}`);
  });
}

test('a port already in use exits 1 with one stderr line naming the port and how to pick another', async (t) => {
  const port = await occupyPort(t);

  const result = await runCli(t, ['--port', String(port)]);

  assert.equal(result.code, 1);
  assert.equal(result.stdout.length, 0);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0] ?? '', new RegExp(`\\b${port}\\b.*in use`));
  assert.match(lines[0] ?? '', /--port/);
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops accepting, lets the request in flight finish, then exits 0`, async (t) => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    t.after(() => {
      release();
    });
    const upstream = await startUpstream(t, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      void released.then(() => res.end('data: last\n\n'));
    });
    const { cli, port, url } = await startCli(t, ['--upstream', `anthropic=${upstream.url}`]);
    const req = request(`${url}/anthropic/v1/messages`, { method: 'POST', agent: false });
    req.end('{}');
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    const body: Buffer[] = [];
    res.on('data', (chunk: Buffer) => body.push(chunk));
    const ended = once(res, 'end');
    await once(res, 'data');

    process.kill(cli.pid, signal);
    await cli.line('stderr', new RegExp(signal));

    assert.equal((await connectError(port))?.code, 'ECONNREFUSED');
    release();
    await withGuard(ended, 'the in-flight response to end');
    assert.equal(Buffer.concat(body).toString(), 'data: first\n\ndata: last\n\n');
    assert.equal(res.complete, true);
    assert.deepEqual(await withGuard(cli.exited, 'the CLI to exit'), { code: 0, signal: null });
  });
}

test('the built command is executable, as npx runs it through its shebang', async () => {
  const { mode } = await stat(CLI);
  assert.equal(mode & 0o111, 0o111, `mode ${mode.toString(8)}`);
  assert.match(await readFile(CLI, 'utf8'), /^#!\/usr\/bin\/env node\n/);
});

test('on 0.0.0.0 it prints settings that reach it through loopback, never 0.0.0.0', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'memex-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'memex.yml');
  await writeFile(config, 'auth:\n  username: lan\n  password: s3cret-pass\n');
  const cli = spawnProcess(t, process.execPath, [
    CLI,
    '--host',
    '0.0.0.0',
    '--port',
    '0',
    '--config',
    config,
  ]);

  await cli.line('stdout', /^ {2}config:/);

  const printed = cli.stdout();
  const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(printed)?.[1];
  assert.ok(port !== undefined, printed);
  const base = `http://127.0.0.1:${port}`;
  assert.ok(printed.includes(`HTTP_PROXY=${base} HTTPS_PROXY=${base}`), printed);
  assert.ok(printed.includes(`ANTHROPIC_BASE_URL=${base}/anthropic`), printed);
  assert.equal(printed.includes('0.0.0.0'), false, printed);
});
