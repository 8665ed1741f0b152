// memex-proxy as a team's gateway, run as users run it: `hash-password` piped a password, a
// config with tls and auth.users, the listening line at https://, history rows per user, SIGHUP
// re-reading renewed certificate files (and keeping the last good ones on a bad renewal), and
// the errors a bad hash or a missing file gives at startup.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parsePasswordHash, verifyPassword } from '../../../proxy-core/http/password.js';
import { basicAuth } from '../../helpers/client.js';
import { runToExit, spawnProcess, withGuard, type Spawned } from '../../helpers/process-spawn.js';
import { startUpstream } from '../../helpers/servers.js';
import {
  createCertificate,
  sendTls,
  servedFingerprint,
  startTlsUpstream,
  type Certificate,
} from '../../helpers/tls.js';

const run = promisify(execFile);
const CLI = fileURLToPath(new URL('../../../bin/memex-proxy.cjs', import.meta.url));
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/_proxy$|^MEMEX_/i.test(name)),
);

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'memex-gateway-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** `memex-proxy hash-password` with `input` piped to it. */
async function hashPassword(
  t: TestContext,
  input: string,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const child = spawnProcess(t, process.execPath, [CLI, 'hash-password'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: ENV,
  });
  child.child.stdin?.end(input);
  const { code } = await withGuard(child.exited, 'hash-password to exit');
  return { code, stdout: child.stdoutBytes(), stderr: child.stderr() };
}

async function hashOf(t: TestContext, password: string): Promise<string> {
  const result = await hashPassword(t, `${password}\n`);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout.toString('utf8').trim();
}

/** The certificate files in the config's directory, as a team host keeps them. */
async function placeCertificate(dir: string, certificate: Certificate): Promise<void> {
  await copyFile(certificate.certFile, join(dir, 'cert.pem'));
  await copyFile(certificate.keyFile, join(dir, 'key.pem'));
}

/** Starts the CLI on `config` (written into `dir`) and waits for its https:// listening line. */
async function startGateway(
  t: TestContext,
  dir: string,
  config: string,
  args: readonly string[] = [],
): Promise<{ cli: Spawned; port: number }> {
  const file = join(dir, 'memex.yml');
  await writeFile(file, config);
  const cli = spawnProcess(t, process.execPath, [CLI, '--config', file, ...args], { env: ENV });
  const line = await cli.line('stdout', /listening on /);
  const port = Number(/listening on https:\/\/127\.0\.0\.1:(\d+)$/.exec(line)?.[1]);
  assert.ok(port > 0, line);
  return { cli, port };
}

function gatewayConfig(users: Readonly<Record<string, string>>, upstream: string): string {
  return [
    'host: 127.0.0.1',
    'port: 0',
    'tls:',
    '  cert: cert.pem',
    '  key: key.pem',
    'auth:',
    '  users:',
    ...Object.entries(users).map(([name, hash]) => `    ${name}: "${hash}"`),
    'attribution:',
    '  processes: false',
    'upstreams:',
    `  anthropic: ${upstream}`,
    '',
  ].join('\n');
}

test('hash-password prints a hash of the piped line that verifies it, and nothing else', async (t) => {
  const hash = await hashOf(t, 'correct horse battery staple');
  const parsed = parsePasswordHash(hash);
  assert.ok(!('problem' in parsed), hash);
  assert.equal(await verifyPassword('correct horse battery staple', parsed), true);
  assert.equal(await verifyPassword('correct horse battery staple\n', parsed), false);
  // Only the first line is the password; CR LF from Windows is not part of it either.
  const crlf = parsePasswordHash(await hashOf(t, 'pw-one\r\nignored line'));
  assert.ok(!('problem' in crlf));
  assert.equal(await verifyPassword('pw-one', crlf), true);

  const empty = await hashPassword(t, '\n');
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /the password is empty; nothing printed/);
  assert.equal(empty.stdout.length, 0);
  const none = await hashPassword(t, '');
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no password read/);
});

const SCRIPT = '/usr/bin/script';

/** Resolves once `child` has printed `text` on stdout (a prompt ends no line). */
function printed(child: Spawned, text: string): Promise<void> {
  const stdout = child.child.stdout;
  assert.ok(stdout !== null);
  return withGuard(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (!child.stdout().includes(text)) return;
        stdout.off('data', check);
        resolve();
      };
      stdout.on('data', check);
      check();
    }),
    `${JSON.stringify(text)} from process ${child.pid}`,
  );
}

test(
  'hash-password on a terminal asks twice and echoes nothing typed',
  { skip: !existsSync(SCRIPT) && 'script(1) gives the test a pseudo-terminal' },
  async (t) => {
    const terminal = (): Spawned =>
      spawnProcess(t, SCRIPT, ['-qec', `${process.execPath} ${CLI} hash-password`, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: ENV,
      });
    const typed = terminal();
    await printed(typed, 'Password: ');
    typed.child.stdin?.write('typed-secret\r');
    await printed(typed, 'Again: ');
    typed.child.stdin?.write('typed-secret\r');
    assert.equal((await withGuard(typed.exited, 'hash-password to exit')).code, 0);
    const output = typed.stdout();
    assert.equal(output.includes('typed-secret'), false, output);
    const hash = parsePasswordHash(/scrypt\$\S+/.exec(output)?.[0] ?? '');
    assert.ok(!('problem' in hash), output);
    assert.equal(await verifyPassword('typed-secret', hash), true);

    const differing = terminal();
    await printed(differing, 'Password: ');
    differing.child.stdin?.write('one\r');
    await printed(differing, 'Again: ');
    differing.child.stdin?.write('two\r');
    assert.equal((await withGuard(differing.exited, 'hash-password to exit')).code, 1);
    assert.match(differing.stdout(), /the two passwords differ; nothing printed/);
    assert.equal(/scrypt\$/.test(differing.stdout()), false);
  },
);

test('a gateway from hash-password and a config file: https://, two users, history rows per user', async (t) => {
  const dir = await tempDir(t);
  const certificate = await createCertificate(t);
  await placeCertificate(dir, certificate);
  const users = { alice: await hashOf(t, 'alice-pw'), bob: await hashOf(t, 'bob-pw') };
  const upstream = await startUpstream(t, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"type":"message","model":"claude-sonnet-4-5","usage":{"input_tokens":3}}');
  });
  const far = await startTlsUpstream(t, certificate, (_req, res) => res.end('far'));
  const history = join(dir, 'history.db');
  const { cli, port } = await startGateway(t, dir, gatewayConfig(users, upstream.url), [
    '--history',
    history,
  ]);
  assert.match(cli.stdout(), new RegExp(`HTTPS_PROXY=https://127\\.0\\.0\\.1:${port}`));
  assert.equal(await servedFingerprint(port), certificate.fingerprint);

  const origin = `https://127.0.0.1:${port}`;
  const post = (credentials: string): ReturnType<typeof sendTls> =>
    sendTls(
      `${origin}/anthropic/v1/messages`,
      certificate.cert,
      { method: 'POST', headers: { 'proxy-authorization': credentials } },
      '{}',
    );
  assert.equal((await post(basicAuth('alice', 'alice-pw'))).status, 200);
  assert.equal((await post(basicAuth('bob', 'bob-pw'))).status, 200);
  assert.equal((await post(basicAuth('bob', 'alice-pw'))).status, 407);
  const curl = await runToExit(
    t,
    '/usr/bin/curl',
    [
      '-sS',
      '--proxy',
      `https://bob:bob-pw@127.0.0.1:${port}`,
      '--proxy-cacert',
      certificate.certFile,
      '--cacert',
      certificate.certFile,
      far.url,
    ],
    { env: ENV },
  );
  assert.equal(curl.code, 0, curl.stderr);
  assert.equal(curl.stdout.toString(), 'far');

  cli.child.kill('SIGTERM');
  assert.equal((await withGuard(cli.exited, 'memex-proxy to exit')).code, 0);
  const { stdout: requests } = await run('sqlite3', [
    history,
    'SELECT user, status FROM requests ORDER BY id',
  ]);
  // The 407 is counted in stats, not kept: history keeps what was admitted.
  assert.equal(requests, 'alice|200\nbob|200\n');
  const { stdout: tunnels } = await run('sqlite3', [history, 'SELECT user, host FROM tunnels']);
  assert.equal(tunnels, 'bob|127.0.0.1\n');
});

test('SIGHUP serves renewed certificate files; a bad renewal is refused and the last good one kept', async (t) => {
  const dir = await tempDir(t);
  const [first, renewed, other] = await Promise.all([
    createCertificate(t),
    createCertificate(t),
    createCertificate(t),
  ]);
  await placeCertificate(dir, first);
  const users = { alice: await hashOf(t, 'alice-pw') };
  const { cli, port } = await startGateway(t, dir, gatewayConfig(users, 'http://127.0.0.1:1'));
  assert.equal(await servedFingerprint(port), first.fingerprint);

  await placeCertificate(dir, renewed);
  cli.child.kill('SIGHUP');
  await cli.line('stderr', /SIGHUP: reloaded config from .*memex\.yml and the TLS certificate/);
  assert.equal(await servedFingerprint(port), renewed.fingerprint);

  // A key that is not the certificate's: the renewed pair keeps being served.
  await copyFile(other.keyFile, join(dir, 'key.pem'));
  cli.child.kill('SIGHUP');
  const mismatch = await cli.line('stderr', /tls\.key/);
  assert.equal(
    mismatch,
    `memex-proxy: ${join(dir, 'key.pem')}: tls.key: this file is not the private key of the ` +
      `certificate ${join(dir, 'cert.pem')}`,
  );
  await cli.line('stderr', /kept the last good config/);
  assert.equal(await servedFingerprint(port), renewed.fingerprint);

  await writeFile(join(dir, 'cert.pem'), 'not a certificate\n');
  cli.child.kill('SIGHUP');
  const garbage = await cli.line('stderr', /tls\.cert/);
  assert.equal(
    garbage,
    `memex-proxy: ${join(dir, 'cert.pem')}: tls.cert: this file is not a PEM certificate (BEGIN CERTIFICATE)`,
  );
  await cli.line('stderr', /kept the last good config/, 2);
  assert.equal(await servedFingerprint(port), renewed.fingerprint);

  // Plain HTTP would need a new listener: refused, TLS still served.
  await placeCertificate(dir, renewed);
  await writeFile(
    join(dir, 'memex.yml'),
    gatewayConfig(users, 'http://127.0.0.1:1').replace(/tls:\n.*\n.*\n/, ''),
  );
  const off = await cli.line('stderr', /turning TLS/);
  assert.equal(
    off,
    'memex-proxy: tls: turning TLS off needs a restart of the proxy; it keeps serving TLS until then',
  );
  assert.equal(await servedFingerprint(port), renewed.fingerprint);
});

test('startup with a bad hash, a missing certificate or a mismatched key exits 2 naming file and key', async (t) => {
  const dir = await tempDir(t);
  const [certificate, other] = await Promise.all([createCertificate(t), createCertificate(t)]);
  const file = join(dir, 'memex.yml');
  const startup = async (config: string): Promise<string> => {
    await writeFile(file, config);
    const result = await runToExit(t, process.execPath, [CLI, '--config', file], { env: ENV });
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout.length, 0);
    return result.stderr;
  };
  const valid = await hashOf(t, 'alice-pw');

  assert.equal(
    await startup(gatewayConfig({ alice: 'hunter2' }, 'http://127.0.0.1:1')),
    `memex-proxy: ${file}:8:5: auth.users.alice: not a password hash: expected ` +
      'scrypt$N=16384,r=8,p=1$<salt base64>$<key base64> (memex-proxy hash-password prints one)\n',
  );
  assert.equal(
    await startup(gatewayConfig({ alice: valid }, 'http://127.0.0.1:1')),
    `memex-proxy: ${join(dir, 'cert.pem')}: tls.cert: the certificate file does not exist\n`,
  );
  await copyFile(certificate.certFile, join(dir, 'cert.pem'));
  await copyFile(other.keyFile, join(dir, 'key.pem'));
  assert.equal(
    await startup(gatewayConfig({ alice: valid }, 'http://127.0.0.1:1')),
    `memex-proxy: ${join(dir, 'key.pem')}: tls.key: this file is not the private key of the ` +
      `certificate ${join(dir, 'cert.pem')}\n`,
  );
});

test('--print-config hides the users’ hashes as it hides the password', async (t) => {
  const dir = await tempDir(t);
  const hash = await hashOf(t, 'alice-pw');
  const file = join(dir, 'memex.yml');
  await writeFile(file, `auth:\n  users:\n    alice: "${hash}"\n    bob: "${hash}"\n`);
  const result = await runToExit(t, process.execPath, [CLI, '--config', file, '--print-config'], {
    env: ENV,
  });
  assert.equal(result.code, 0, result.stderr);
  const text = result.stdout.toString('utf8');
  assert.equal(text.includes('scrypt$'), false);
  const printed = JSON.parse(text) as { auth: unknown };
  assert.deepEqual(printed.auth, { users: { alice: '(hidden)', bob: '(hidden)' } });
});
