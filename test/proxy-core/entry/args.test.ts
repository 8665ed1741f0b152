import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyCliOptions,
  parseCliArgs,
  USAGE,
  type CliOptions,
} from '../../../proxy-core/entry/args.js';
import { DEFAULT_CONFIG, type Config } from '../../../proxy-core/config/config.js';

const NO_FLAGS: CliOptions = { help: false, version: false, printConfig: false, upstreams: {} };

/** A config that differs from the defaults everywhere, so precedence is visible. */
const BASE: Config = {
  host: '10.0.0.5',
  port: 9000,
  upstreams: { anthropic: 'https://gateway.example/anthropic', local: 'http://127.0.0.1:11434' },
  connect_ports: [443],
  timeouts: {
    header_ms: 500,
    connect_ms: 1_000,
    response_header_ms: 2_000,
    stream_idle_ms: 3_000,
    tunnel_idle_ms: 4_000,
    websocket_idle_ms: 5_000,
  },
  auth: null,
  tls: null,
  pricing: { 'claude-*': { input_per_mtok: 3, output_per_mtok: 15 } },
  notify: { thresholds: [80, 95] },
  attribution: { processes: false },
  history: { path: '/var/lib/memex/history.db', retention_days: 30, max_mb: 100 },
  inspector: { enabled: true, max_body_kb: 64, retention_hours: 2 },
  metrics: { token: 'scrape-token' },
  otlp: {
    endpoint: 'http://127.0.0.1:4318',
    headers: { 'x-api-key': 'collector-key' },
    interval_ms: 5000,
  },
};

test('parses no arguments into all-default options', () => {
  assert.deepEqual(parseCliArgs([]), NO_FLAGS);
});

test('parses every flag, in both --flag value and --flag=value forms', () => {
  const cases: [argv: string[], want: CliOptions][] = [
    [['--help'], { ...NO_FLAGS, help: true }],
    [['-h'], { ...NO_FLAGS, help: true }],
    [['--version'], { ...NO_FLAGS, version: true }],
    [['--print-config'], { ...NO_FLAGS, printConfig: true }],
    [['--host', '0.0.0.0'], { ...NO_FLAGS, host: '0.0.0.0' }],
    [['--host=::1'], { ...NO_FLAGS, host: '::1' }],
    [['--port', '0'], { ...NO_FLAGS, port: 0 }],
    [['--port=65535'], { ...NO_FLAGS, port: 65535 }],
    [['--port', '08080'], { ...NO_FLAGS, port: 8080 }],
    [['--config', 'memex.toml'], { ...NO_FLAGS, configFile: 'memex.toml' }],
    [['--config=/etc/memex.yml'], { ...NO_FLAGS, configFile: '/etc/memex.yml' }],
    [['--connect-ports', '443'], { ...NO_FLAGS, connectPorts: [443] }],
    [['--connect-ports', '443, 8443 ,1'], { ...NO_FLAGS, connectPorts: [443, 8443, 1] }],
    [['--response-header-timeout-ms', '30000'], { ...NO_FLAGS, responseHeaderTimeoutMs: 30_000 }],
    [['--response-header-timeout-ms=1'], { ...NO_FLAGS, responseHeaderTimeoutMs: 1 }],
    [
      ['--upstream', 'ollama=http://127.0.0.1:11434'],
      { ...NO_FLAGS, upstreams: { ollama: 'http://127.0.0.1:11434' } },
    ],
  ];
  assert.deepEqual(
    cases.map(([argv]) => [argv, parseCliArgs(argv)]),
    cases,
  );
});

test('parses all flags together', () => {
  assert.deepEqual(
    parseCliArgs([
      '--host',
      '127.0.0.1',
      '--port',
      '8081',
      '--config',
      'x.yaml',
      '--upstream',
      'a=https://a.example',
      '--connect-ports',
      '443',
      '--response-header-timeout-ms',
      '5',
      '--print-config',
    ]),
    {
      help: false,
      version: false,
      printConfig: true,
      host: '127.0.0.1',
      port: 8081,
      configFile: 'x.yaml',
      upstreams: { a: 'https://a.example' },
      connectPorts: [443],
      responseHeaderTimeoutMs: 5,
    },
  );
});

test('collects a repeated --upstream, the last one winning for a repeated name', () => {
  assert.deepEqual(
    parseCliArgs([
      '--upstream',
      'anthropic=https://one.example',
      '--upstream=openai=https://api.openai.com/v1',
      '--upstream',
      'my.gw_2-x=http://10.0.0.1:8000/base?k=v=w',
      '--upstream',
      'anthropic=https://two.example',
    ]),
    {
      ...NO_FLAGS,
      upstreams: {
        anthropic: 'https://two.example',
        openai: 'https://api.openai.com/v1',
        'my.gw_2-x': 'http://10.0.0.1:8000/base?k=v=w',
      },
    },
  );
});

test('rejects invalid values with a message naming the flag and the value', () => {
  const cases: [argv: string[], error: string][] = [
    [['--host='], '--host: empty host'],
    [['--port', '65536'], '--port 65536: expected a port number from 0 to 65535'],
    [['--port', 'http'], '--port http: expected a port number from 0 to 65535'],
    [['--port=-1'], '--port -1: expected a port number from 0 to 65535'],
    [['--port', '80.5'], '--port 80.5: expected a port number from 0 to 65535'],
    [['--port='], '--port : expected a port number from 0 to 65535'],
    [['--port', '1234567890'], '--port 1234567890: expected a port number from 0 to 65535'],
    [
      ['--connect-ports', '0'],
      '--connect-ports 0: expected ports from 1 to 65535, comma-separated',
    ],
    [
      ['--connect-ports', '443,'],
      '--connect-ports 443,: expected ports from 1 to 65535, comma-separated',
    ],
    [
      ['--connect-ports', '443;8443'],
      '--connect-ports 443;8443: expected ports from 1 to 65535, comma-separated',
    ],
    [
      ['--connect-ports', '70000'],
      '--connect-ports 70000: expected ports from 1 to 65535, comma-separated',
    ],
    [
      ['--response-header-timeout-ms', '0'],
      '--response-header-timeout-ms 0: expected a positive whole number of milliseconds',
    ],
    [
      ['--response-header-timeout-ms=-5'],
      '--response-header-timeout-ms -5: expected a positive whole number of milliseconds',
    ],
    [
      ['--response-header-timeout-ms', '1.5'],
      '--response-header-timeout-ms 1.5: expected a positive whole number of milliseconds',
    ],
  ];
  assert.deepEqual(
    cases.map(([argv]) => [argv, parseCliArgs(argv)]),
    cases.map(([argv, error]) => [argv, { error }]),
  );
});

test('rejects an --upstream that is not NAME=URL with an http(s) URL', () => {
  const name = 'expected NAME=URL with a name of letters, digits, . _ -';
  const cases: [spec: string, error: string][] = [
    ['anthropic', `--upstream anthropic: ${name}`],
    ['=https://a.example', `--upstream =https://a.example: ${name}`],
    ['my gw=https://a.example', `--upstream my gw=https://a.example: ${name}`],
    ['_x=https://a.example', `--upstream _x=https://a.example: ${name}`],
    ['a/b=https://a.example', `--upstream a/b=https://a.example: ${name}`],
    ['a=', '--upstream a=: "" is not an http(s) URL'],
    ['a=ftp://a.example', '--upstream a=ftp://a.example: "ftp://a.example" is not an http(s) URL'],
    ['a=a.example', '--upstream a=a.example: "a.example" is not an http(s) URL'],
    ['a=http://', '--upstream a=http://: "http://" is not an http(s) URL'],
  ];
  assert.deepEqual(
    cases.map(([spec]) => [spec, parseCliArgs(['--upstream', spec])]),
    cases.map(([spec, error]) => [spec, { error }]),
  );
});

test('reports the first invalid --upstream and ignores the rest', () => {
  assert.deepEqual(parseCliArgs(['--upstream', 'a=https://a.example', '--upstream', 'b=x']), {
    error: '--upstream b=x: "x" is not an http(s) URL',
  });
});

test('rejects unknown options, positionals and missing values as one-line errors', () => {
  const cases: [argv: string[], pattern: RegExp][] = [
    [['--nope'], /^Unknown option '--nope'/],
    [['serve'], /^Unexpected argument 'serve'/],
    [['--port'], /^Option '--port <value>' argument missing/],
    [['--port', '-1'], /^Option '--port' argument is ambiguous/],
    [['--help=yes'], /^Option '-h, --help' does not take an argument/],
    [['hash-password', 'hunter2'], /^hash-password takes no arguments: it reads the password/],
    [['--port', '0', 'hash-password'], /^Unexpected argument 'hash-password'/],
  ];
  for (const [argv, pattern] of cases) {
    const result = parseCliArgs(argv);
    assert.ok('error' in result, argv.join(' '));
    assert.match(result.error, pattern);
    assert.equal(result.error.includes('\n'), false, `multi-line error for ${argv.join(' ')}`);
  }
});

test('documents every flag in the usage text', () => {
  for (const flag of [
    '--host',
    '--port',
    '--config',
    '--upstream',
    '--connect-ports',
    '--response-header-timeout-ms',
    '--print-config',
    '--version',
    '--help',
  ]) {
    assert.ok(USAGE.includes(`  ${flag} `), flag);
  }
});

test('hash-password is a subcommand of its own, with --help', () => {
  assert.deepEqual(parseCliArgs(['hash-password']), { ...NO_FLAGS, command: 'hash-password' });
  assert.deepEqual(parseCliArgs(['hash-password', '--help']), { ...NO_FLAGS, help: true });
  assert.ok(USAGE.includes('memex-proxy hash-password'));
});

test('leaves the config unchanged when no flags are given', () => {
  assert.deepEqual(applyCliOptions(BASE, NO_FLAGS), BASE);
  assert.deepEqual(applyCliOptions(DEFAULT_CONFIG, NO_FLAGS), DEFAULT_CONFIG);
});

test('lets flags win over the config, falsy values such as port 0 included', () => {
  const options: CliOptions = {
    ...NO_FLAGS,
    host: '0.0.0.0',
    port: 0,
    connectPorts: [8443],
    responseHeaderTimeoutMs: 42,
  };
  assert.deepEqual(applyCliOptions(BASE, options), {
    host: '0.0.0.0',
    port: 0,
    upstreams: BASE.upstreams,
    connect_ports: [8443],
    timeouts: {
      header_ms: 500,
      connect_ms: 1_000,
      response_header_ms: 42,
      stream_idle_ms: 3_000,
      tunnel_idle_ms: 4_000,
      websocket_idle_ms: 5_000,
    },
    auth: null,
    tls: null,
    pricing: BASE.pricing,
    notify: BASE.notify,
    attribution: BASE.attribution,
    history: BASE.history,
    inspector: BASE.inspector,
    metrics: BASE.metrics,
    otlp: BASE.otlp,
  });
});

test('adds --upstream routes to the configured ones and replaces those of the same name', () => {
  const options: CliOptions = {
    ...NO_FLAGS,
    upstreams: { anthropic: 'https://api.anthropic.com', openai: 'https://api.openai.com' },
  };
  assert.deepEqual(applyCliOptions(BASE, options).upstreams, {
    anthropic: 'https://api.anthropic.com',
    local: 'http://127.0.0.1:11434',
    openai: 'https://api.openai.com',
  });
});

test('does not modify the config it applies options to', () => {
  const base: Config = structuredClone(BASE);
  applyCliOptions(base, {
    ...NO_FLAGS,
    host: 'h',
    port: 1,
    upstreams: { x: 'http://x.example' },
    connectPorts: [1],
    responseHeaderTimeoutMs: 1,
  });
  assert.deepEqual(base, BASE);
});

test('applies parsed command-line flags end to end', () => {
  const options = parseCliArgs(['--port', '0', '--upstream', 'local=http://127.0.0.1:1234']);
  assert.ok(!('error' in options));
  const config = applyCliOptions(DEFAULT_CONFIG, options);
  assert.equal(config.port, 0);
  assert.equal(config.host, '127.0.0.1');
  assert.deepEqual(config.upstreams, {
    anthropic: 'https://api.anthropic.com',
    openai: 'https://api.openai.com',
    gemini: 'https://generativelanguage.googleapis.com',
    chatgpt: 'https://chatgpt.com',
    local: 'http://127.0.0.1:1234',
  });
});
