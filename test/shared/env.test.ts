import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ENV_MODES,
  SHELLS,
  defaultShell,
  envSnippet,
  toClientOrigin,
  type EnvMode,
  type ListenAddress,
  type Shell,
} from '../../shared/env.js';
import { agentSnippet } from '../../shared/agent-setup.js';
import { runToExit, withGuard } from '../helpers/process-spawn.js';
import { startObservedProxy } from '../helpers/proxy-stats.js';
import { startUpstream } from '../helpers/servers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PATH = process.env.PATH ?? '/usr/bin:/bin';
const ADDRESS: ListenAddress = { host: '127.0.0.1', port: 8080 };
const LOOPBACK = 'localhost,127.0.0.1,::1';
const PROXY_URL = 'http://127.0.0.1:8080';

const EXPECTED: Readonly<Record<`${Shell} ${EnvMode}`, readonly string[]>> = {
  'bash proxy': [
    "export HTTP_PROXY='http://127.0.0.1:8080'",
    "export HTTPS_PROXY='http://127.0.0.1:8080'",
    "export ALL_PROXY='http://127.0.0.1:8080'",
    "export http_proxy='http://127.0.0.1:8080'",
    "export https_proxy='http://127.0.0.1:8080'",
    "export all_proxy='http://127.0.0.1:8080'",
    'if [ -z "$MEMEX_SAVED_NO_PROXY" ]; then export MEMEX_SAVED_NO_PROXY="${NO_PROXY:--}"; export NO_PROXY="localhost,127.0.0.1,::1${NO_PROXY:+,$NO_PROXY}"; fi',
    'if [ -z "$MEMEX_SAVED_no_proxy" ]; then export MEMEX_SAVED_no_proxy="${no_proxy:--}"; export no_proxy="localhost,127.0.0.1,::1${no_proxy:+,$no_proxy}"; fi',
    "export NODE_USE_ENV_PROXY='1'",
  ],
  'bash base-url': [
    "export ANTHROPIC_BASE_URL='http://127.0.0.1:8080/anthropic'",
    "export OPENAI_BASE_URL='http://127.0.0.1:8080/openai/v1'",
  ],
  'bash unset': [
    'unset HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy NODE_USE_ENV_PROXY ANTHROPIC_BASE_URL OPENAI_BASE_URL GOOGLE_GEMINI_BASE_URL',
    'case "$MEMEX_SAVED_NO_PROXY" in -) unset NO_PROXY ;; ?*) export NO_PROXY="$MEMEX_SAVED_NO_PROXY" ;; esac',
    'case "$MEMEX_SAVED_no_proxy" in -) unset no_proxy ;; ?*) export no_proxy="$MEMEX_SAVED_no_proxy" ;; esac',
    'unset MEMEX_SAVED_NO_PROXY MEMEX_SAVED_no_proxy',
  ],
  'fish proxy': [
    "set -gx HTTP_PROXY 'http://127.0.0.1:8080'",
    "set -gx HTTPS_PROXY 'http://127.0.0.1:8080'",
    "set -gx ALL_PROXY 'http://127.0.0.1:8080'",
    "set -gx http_proxy 'http://127.0.0.1:8080'",
    "set -gx https_proxy 'http://127.0.0.1:8080'",
    "set -gx all_proxy 'http://127.0.0.1:8080'",
    'if test -z "$MEMEX_SAVED_NO_PROXY"; if test -n "$NO_PROXY"; set -gx MEMEX_SAVED_NO_PROXY "$NO_PROXY"; set -gx NO_PROXY "localhost,127.0.0.1,::1,$NO_PROXY"; else; set -gx MEMEX_SAVED_NO_PROXY -; set -gx NO_PROXY \'localhost,127.0.0.1,::1\'; end; end',
    'if test -z "$MEMEX_SAVED_no_proxy"; if test -n "$no_proxy"; set -gx MEMEX_SAVED_no_proxy "$no_proxy"; set -gx no_proxy "localhost,127.0.0.1,::1,$no_proxy"; else; set -gx MEMEX_SAVED_no_proxy -; set -gx no_proxy \'localhost,127.0.0.1,::1\'; end; end',
    "set -gx NODE_USE_ENV_PROXY '1'",
  ],
  'fish base-url': [
    "set -gx ANTHROPIC_BASE_URL 'http://127.0.0.1:8080/anthropic'",
    "set -gx OPENAI_BASE_URL 'http://127.0.0.1:8080/openai/v1'",
  ],
  'fish unset': [
    'set -e HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy NODE_USE_ENV_PROXY ANTHROPIC_BASE_URL OPENAI_BASE_URL GOOGLE_GEMINI_BASE_URL',
    'if test "$MEMEX_SAVED_NO_PROXY" = -; set -e NO_PROXY; else if test -n "$MEMEX_SAVED_NO_PROXY"; set -gx NO_PROXY "$MEMEX_SAVED_NO_PROXY"; end',
    'if test "$MEMEX_SAVED_no_proxy" = -; set -e no_proxy; else if test -n "$MEMEX_SAVED_no_proxy"; set -gx no_proxy "$MEMEX_SAVED_no_proxy"; end',
    'set -e MEMEX_SAVED_NO_PROXY MEMEX_SAVED_no_proxy',
  ],
  'powershell proxy': [
    "$env:HTTP_PROXY = 'http://127.0.0.1:8080'",
    "$env:HTTPS_PROXY = 'http://127.0.0.1:8080'",
    "$env:ALL_PROXY = 'http://127.0.0.1:8080'",
    "if (-not $env:MEMEX_SAVED_NO_PROXY) { if ($env:NO_PROXY) { $env:MEMEX_SAVED_NO_PROXY = $env:NO_PROXY; $env:NO_PROXY = 'localhost,127.0.0.1,::1,' + $env:NO_PROXY } else { $env:MEMEX_SAVED_NO_PROXY = '-'; $env:NO_PROXY = 'localhost,127.0.0.1,::1' } }",
    "$env:NODE_USE_ENV_PROXY = '1'",
  ],
  'powershell base-url': [
    "$env:ANTHROPIC_BASE_URL = 'http://127.0.0.1:8080/anthropic'",
    "$env:OPENAI_BASE_URL = 'http://127.0.0.1:8080/openai/v1'",
  ],
  'powershell unset': [
    'Remove-Item -ErrorAction Ignore Env:HTTP_PROXY, Env:HTTPS_PROXY, Env:ALL_PROXY, Env:NODE_USE_ENV_PROXY, Env:ANTHROPIC_BASE_URL, Env:OPENAI_BASE_URL, Env:GOOGLE_GEMINI_BASE_URL',
    "if ($env:MEMEX_SAVED_NO_PROXY -eq '-') { Remove-Item -ErrorAction Ignore Env:NO_PROXY } elseif ($env:MEMEX_SAVED_NO_PROXY) { $env:NO_PROXY = $env:MEMEX_SAVED_NO_PROXY }",
    'Remove-Item -ErrorAction Ignore Env:MEMEX_SAVED_NO_PROXY',
  ],
  'cmd proxy': [
    'set "HTTP_PROXY=http://127.0.0.1:8080"',
    'set "HTTPS_PROXY=http://127.0.0.1:8080"',
    'set "ALL_PROXY=http://127.0.0.1:8080"',
    'if not defined MEMEX_SAVED_NO_PROXY if defined NO_PROXY (set "MEMEX_SAVED_NO_PROXY=%NO_PROXY%" & set "NO_PROXY=localhost,127.0.0.1,::1,%NO_PROXY%") else (set "MEMEX_SAVED_NO_PROXY=-" & set "NO_PROXY=localhost,127.0.0.1,::1")',
    'set "NODE_USE_ENV_PROXY=1"',
  ],
  'cmd base-url': [
    'set "ANTHROPIC_BASE_URL=http://127.0.0.1:8080/anthropic"',
    'set "OPENAI_BASE_URL=http://127.0.0.1:8080/openai/v1"',
  ],
  'cmd unset': [
    'set "HTTP_PROXY="',
    'set "HTTPS_PROXY="',
    'set "ALL_PROXY="',
    'set "NODE_USE_ENV_PROXY="',
    'set "ANTHROPIC_BASE_URL="',
    'set "OPENAI_BASE_URL="',
    'set "GOOGLE_GEMINI_BASE_URL="',
    'if defined MEMEX_SAVED_NO_PROXY if "%MEMEX_SAVED_NO_PROXY%"=="-" (set "NO_PROXY=") else (set "NO_PROXY=%MEMEX_SAVED_NO_PROXY%")',
    'set "MEMEX_SAVED_NO_PROXY="',
  ],
};

test('produces the exact text for every shell and mode', () => {
  const cases = SHELLS.flatMap((shell) =>
    ENV_MODES.map((mode) => `${shell.id} ${mode.id}` as const),
  );
  assert.deepEqual(
    cases.map((key) => {
      const [shell, mode] = key.split(' ') as [Shell, EnvMode];
      return [key, envSnippet(shell, mode, ADDRESS)];
    }),
    cases.map((key) => [key, EXPECTED[key].join('\n')]),
  );
});

test('labels the shells and modes for the menu, in menu order', () => {
  assert.deepEqual(SHELLS, [
    { id: 'bash', label: 'bash / zsh' },
    { id: 'fish', label: 'fish' },
    { id: 'powershell', label: 'PowerShell' },
    { id: 'cmd', label: 'cmd' },
  ]);
  assert.deepEqual(ENV_MODES, [
    { id: 'proxy', label: 'Proxy (HTTP_PROXY…)' },
    { id: 'base-url', label: 'Base URLs (ANTHROPIC_BASE_URL…)' },
    { id: 'unset', label: 'Unset' },
  ]);
});

test('preselects PowerShell on Windows and bash everywhere else', () => {
  const cases: [NodeJS.Platform, Shell][] = [
    ['win32', 'powershell'],
    ['darwin', 'bash'],
    ['linux', 'bash'],
    ['freebsd', 'bash'],
  ];
  assert.deepEqual(
    cases.map(([platform]) => [platform, defaultShell(platform)]),
    cases,
  );
});

test('points clients at an address they can connect to, with IPv6 in brackets', () => {
  const cases: [ListenAddress, string][] = [
    [{ host: '127.0.0.1', port: 8080 }, 'http://127.0.0.1:8080'],
    [{ host: '0.0.0.0', port: 8080 }, 'http://127.0.0.1:8080'],
    [{ host: '::', port: 8080 }, 'http://[::1]:8080'],
    [{ host: '[::]', port: 8080 }, 'http://[::1]:8080'],
    [{ host: '0:0:0:0:0:0:0:0', port: 8080 }, 'http://[::1]:8080'],
    [{ host: '::1', port: 9000 }, 'http://[::1]:9000'],
    [{ host: '[::1]', port: 9000 }, 'http://[::1]:9000'],
    [{ host: 'fe80::1', port: 1 }, 'http://[fe80::1]:1'],
    [{ host: 'localhost', port: 8080 }, 'http://localhost:8080'],
    [{ host: '192.168.1.20', port: 8080 }, 'http://192.168.1.20:8080'],
    [{ host: '0.0.0.0', port: 8443, secure: true }, 'https://127.0.0.1:8443'],
    [{ host: '127.0.0.1', port: 8443, secure: false }, 'http://127.0.0.1:8443'],
  ];
  assert.deepEqual(
    cases.map(([address]) => [address, toClientOrigin(address)]),
    cases,
  );
});

test('uses the reachable address in every line of every shell', () => {
  for (const { id: shell } of SHELLS) {
    const text = envSnippet(shell, 'base-url', { host: '::', port: 8080 });
    assert.ok(text.includes('http://[::1]:8080/anthropic'), text);
    assert.ok(text.includes('http://[::1]:8080/openai/v1'), text);
    assert.ok(!text.includes('[::]'), text);
  }
});

test('escapes quotes in values the way each shell reads them', () => {
  const address = { host: "it's", port: 1 };
  assert.deepEqual(
    SHELLS.map(({ id }) => [id, envSnippet(id, 'base-url', address).split('\n')[0]]),
    [
      ['bash', "export ANTHROPIC_BASE_URL='http://it'\\''s:1/anthropic'"],
      ['fish', "set -gx ANTHROPIC_BASE_URL 'http://it\\'s:1/anthropic'"],
      ['powershell', "$env:ANTHROPIC_BASE_URL = 'http://it''s:1/anthropic'"],
      ['cmd', 'set "ANTHROPIC_BASE_URL=http://it\'s:1/anthropic"'],
    ],
  );
});

// Real shells. dash runs the bash text too: it is POSIX sh, which zsh also reads the same way.
const RUNNERS = [
  { name: 'bash', shell: 'bash', file: '/usr/bin/bash', args: ['--noprofile', '--norc', '-c'] },
  { name: 'dash', shell: 'bash', file: '/usr/bin/dash', args: ['-c'] },
  { name: 'fish', shell: 'fish', file: '/usr/bin/fish', args: ['--no-config', '-c'] },
] as const;

type Runner = (typeof RUNNERS)[number];
type Env = Record<string, string>;

// Only the variables memex touches (and any it should not), so the shell's own PWD, SHLVL and
// HOME do not get in the way of an exact comparison.
function relevant(env: Env): Env {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => /proxy|memex|base_url/i.test(name)),
  );
}

/** Runs `snippets` one after another in a real shell with `env`; resolves with what `env` shows. */
async function envAfter(
  t: TestContext,
  runner: Runner,
  env: Env,
  snippets: readonly string[],
): Promise<Env> {
  const script = [...snippets, 'env'].join('\n');
  const result = await runToExit(t, runner.file, [...runner.args, script], {
    env: { PATH, ...env },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const lines = result.stdout.toString('utf8').split('\n').filter(Boolean);
  return relevant(
    Object.fromEntries(
      lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    ),
  );
}

const CORP: Env = { NO_PROXY: 'corp.example' };

test('the proxy text sets every proxy variable and adds loopback to an existing NO_PROXY', async (t) => {
  for (const runner of RUNNERS) {
    const proxy = envSnippet(runner.shell, 'proxy', ADDRESS);
    assert.deepEqual(
      await envAfter(t, runner, CORP, [proxy]),
      {
        HTTP_PROXY: PROXY_URL,
        HTTPS_PROXY: PROXY_URL,
        ALL_PROXY: PROXY_URL,
        http_proxy: PROXY_URL,
        https_proxy: PROXY_URL,
        all_proxy: PROXY_URL,
        NO_PROXY: `${LOOPBACK},corp.example`,
        no_proxy: LOOPBACK,
        MEMEX_SAVED_NO_PROXY: 'corp.example',
        MEMEX_SAVED_no_proxy: '-',
        NODE_USE_ENV_PROXY: '1',
      },
      runner.name,
    );
  }
});

test('the unset text after the proxy and base-URL texts gives the terminal its variables back', async (t) => {
  const starts: Env[] = [
    {},
    CORP,
    { NO_PROXY: 'corp.example,.internal', no_proxy: 'lower.example' },
    { no_proxy: 'lower.example', UNRELATED_PROXY_NOTE: 'kept' },
  ];
  for (const runner of RUNNERS) {
    const [proxy, baseUrl, unset] = (['proxy', 'base-url', 'unset'] as const).map((mode) =>
      envSnippet(runner.shell, mode, ADDRESS),
    );
    // Gemini CLI's base URL, as Connect an agent sets it, is taken back by unset too.
    const gemini = agentSnippet('gemini-cli', runner.shell, ADDRESS).text;
    const snippets = [proxy ?? '', baseUrl ?? '', gemini, unset ?? ''];
    for (const start of starts) {
      assert.deepEqual(
        await envAfter(t, runner, start, snippets),
        relevant(start),
        `${runner.name} from ${JSON.stringify(start)}`,
      );
    }
  }
});

test('pasting the proxy text twice adds loopback once, and unset still restores', async (t) => {
  for (const runner of RUNNERS) {
    const proxy = envSnippet(runner.shell, 'proxy', ADDRESS);
    const unset = envSnippet(runner.shell, 'unset', ADDRESS);
    const twice = await envAfter(t, runner, CORP, [proxy, proxy]);
    assert.equal(twice.NO_PROXY, `${LOOPBACK},corp.example`, runner.name);
    assert.equal(twice.no_proxy, LOOPBACK, runner.name);
    assert.deepEqual(await envAfter(t, runner, CORP, [proxy, proxy, unset]), CORP, runner.name);
  }
});

test('the unset text leaves a NO_PROXY that memex did not change as it is', async (t) => {
  for (const runner of RUNNERS) {
    const unset = envSnippet(runner.shell, 'unset', ADDRESS);
    const start = { ...CORP, no_proxy: 'lower.example', HTTP_PROXY: PROXY_URL };
    assert.deepEqual(
      await envAfter(t, runner, start, [unset]),
      { ...CORP, no_proxy: 'lower.example' },
      runner.name,
    );
  }
});

test('the base-URL text sets exactly the two base URLs', async (t) => {
  for (const runner of RUNNERS) {
    const baseUrl = envSnippet(runner.shell, 'base-url', ADDRESS);
    assert.deepEqual(
      await envAfter(t, runner, {}, [baseUrl]),
      {
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:8080/anthropic',
        OPENAI_BASE_URL: 'http://127.0.0.1:8080/openai/v1',
      },
      runner.name,
    );
  }
});

test('values reach the environment unchanged through each shell quoting', async (t) => {
  const host = `it's$HOME\\"x`;
  for (const runner of RUNNERS) {
    const baseUrl = envSnippet(runner.shell, 'base-url', { host, port: 1 });
    const env = await envAfter(t, runner, {}, [baseUrl]);
    assert.equal(env.ANTHROPIC_BASE_URL, `http://${host}:1/anthropic`, runner.name);
  }
});

const SDK_SCRIPT = `
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
const message = await new Anthropic({ apiKey: 'sk-ant-test', maxRetries: 0 }).messages.create({
  model: 'claude-test', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }],
});
const completion = await new OpenAI({ apiKey: 'sk-test', maxRetries: 0 }).chat.completions.create({
  model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }],
});
console.log(message.id, completion.id);
`;

const REPLIES: Readonly<Record<string, object>> = {
  '/v1/messages': {
    id: 'msg_test',
    type: 'message',
    role: 'assistant',
    model: 'claude-test',
    content: [{ type: 'text', text: 'hello' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 1 },
  },
  '/v1/chat/completions': {
    id: 'chatcmpl_test',
    object: 'chat.completion',
    created: 0,
    model: 'gpt-test',
    choices: [
      { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'hello' } },
    ],
  },
};

test('the base-URL text, exported in bash, sends the official SDKs through memex', async (t) => {
  const paths: string[] = [];
  const upstream = await startUpstream(t, (req, res) => {
    const path = req.url ?? '';
    paths.push(path);
    req.resume();
    req.on('end', () => {
      const reply = REPLIES[path];
      res.writeHead(reply === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply ?? { error: { message: `no route ${path}` } }));
    });
  });
  const { proxy, events } = await startObservedProxy(t, {
    upstreams: { anthropic: upstream.url, openai: upstream.url },
  });
  // Counted when each exchange closes, which can be after the SDK has its answer.
  let ended = 0;
  const counted = new Promise<void>((resolve) => {
    events.on('requestEnded', () => {
      if (++ended === 2) resolve();
    });
  });

  const text = envSnippet('bash', 'base-url', proxy.address());
  // The script goes in as $1 and node as $0, so neither needs quoting for bash.
  const result = await runToExit(
    t,
    '/usr/bin/bash',
    [
      '--noprofile',
      '--norc',
      '-c',
      `${text}\nexec "$0" --input-type=module -e "$1"`,
      process.execPath,
      SDK_SCRIPT,
    ],
    { cwd: ROOT, env: { PATH } },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.toString('utf8'), 'msg_test chatcmpl_test\n');
  assert.deepEqual(paths, ['/v1/messages', '/v1/chat/completions']);
  await withGuard(counted, 'both requests counted in stats');
  const { requests } = proxy.stats.snapshot();
  assert.deepEqual(
    { anthropic: requests.anthropic, openai: requests.openai },
    { anthropic: 1, openai: 1 },
  );
});
