import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG, type ConfigFormat } from '../../../proxy-core/config/config.js';
import { ConfigError } from '../../../proxy-core/errors.js';
import { locateTomlKey, parseConfig } from '../../../proxy-core/config/parse.js';

test('an empty file or a comment-only file gives the defaults', () => {
  for (const [text, format] of [
    ['', 'yaml'],
    ['# nothing\n', 'yaml'],
    ['', 'toml'],
    ['# nothing\n', 'toml'],
  ] as const) {
    assert.deepEqual(parseConfig(text, format, 'f'), DEFAULT_CONFIG);
  }
});

// A well-formed hash (of no password in particular: its key is not derived).
const HASH =
  'scrypt$N=16384,r=8,p=1$BwcHBwcHBwcHBwcHBwcHBw==$CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=';

test('YAML and TOML with every key give the same Config', () => {
  const yaml = `host: 127.0.0.2
port: 9000
upstreams:
  openai: http://127.0.0.1:1234/v1base
  gemini: https://generativelanguage.googleapis.com
connect_ports: [443, 8443]
timeouts:
  header_ms: 500
  connect_ms: 1000
  response_header_ms: 2000
  stream_idle_ms: 3000
  tunnel_idle_ms: 4000
  websocket_idle_ms: 5000
auth:
  username: lan
  password: "s3cret:pass"
  users:
    alice: "scrypt$N=16384,r=8,p=1$BwcHBwcHBwcHBwcHBwcHBw==$CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk="
tls:
  cert: /etc/memex/fullchain.pem
  key: /etc/memex/privkey.pem
pricing:
  claude-sonnet-4*:
    input_per_mtok: 3
    output_per_mtok: 15
    cache_read_per_mtok: 0.3
    cache_write_per_mtok: 3.75
  "*":
    output_per_mtok: 1
notify:
  thresholds: [70, 99.5]
attribution:
  processes: false
history:
  path: /var/lib/memex/history.db
  retention_days: 30
  max_mb: 100
inspector:
  enabled: true
  max_body_kb: 64
  retention_hours: 2
metrics:
  token: scrape-token-0123
otlp:
  endpoint: http://127.0.0.1:4318
  headers:
    x-api-key: collector-key
  interval_ms: 15000
`;
  const toml = `host = "127.0.0.2"
port = 9000
connect_ports = [443, 8443]

[upstreams]
openai = "http://127.0.0.1:1234/v1base"
gemini = "https://generativelanguage.googleapis.com"

[timeouts]
header_ms = 500
connect_ms = 1000
response_header_ms = 2000
stream_idle_ms = 3000
tunnel_idle_ms = 4000
websocket_idle_ms = 5000

[auth]
username = "lan"
password = "s3cret:pass"

[auth.users]
alice = "scrypt$N=16384,r=8,p=1$BwcHBwcHBwcHBwcHBwcHBw==$CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk="

[tls]
cert = "/etc/memex/fullchain.pem"
key = "/etc/memex/privkey.pem"

[pricing."claude-sonnet-4*"]
input_per_mtok = 3
output_per_mtok = 15
cache_read_per_mtok = 0.3
cache_write_per_mtok = 3.75

[pricing."*"]
output_per_mtok = 1

[notify]
thresholds = [70, 99.5]

[attribution]
processes = false

[history]
path = "/var/lib/memex/history.db"
retention_days = 30
max_mb = 100

[inspector]
enabled = true
max_body_kb = 64
retention_hours = 2

[metrics]
token = "scrape-token-0123"

[otlp]
endpoint = "http://127.0.0.1:4318"
interval_ms = 15000

[otlp.headers]
x-api-key = "collector-key"
`;
  const expected = {
    host: '127.0.0.2',
    port: 9000,
    upstreams: {
      anthropic: 'https://api.anthropic.com',
      openai: 'http://127.0.0.1:1234/v1base',
      gemini: 'https://generativelanguage.googleapis.com',
      chatgpt: 'https://chatgpt.com',
    },
    connect_ports: [443, 8443],
    timeouts: {
      header_ms: 500,
      connect_ms: 1000,
      response_header_ms: 2000,
      stream_idle_ms: 3000,
      tunnel_idle_ms: 4000,
      websocket_idle_ms: 5000,
    },
    auth: { username: 'lan', password: 's3cret:pass', users: { alice: HASH } },
    tls: { cert: '/etc/memex/fullchain.pem', key: '/etc/memex/privkey.pem' },
    pricing: {
      'claude-sonnet-4*': {
        input_per_mtok: 3,
        output_per_mtok: 15,
        cache_read_per_mtok: 0.3,
        cache_write_per_mtok: 3.75,
      },
      '*': { output_per_mtok: 1 },
    },
    notify: { thresholds: [70, 99.5] },
    attribution: { processes: false },
    history: { path: '/var/lib/memex/history.db', retention_days: 30, max_mb: 100 },
    inspector: { enabled: true, max_body_kb: 64, retention_hours: 2 },
    metrics: { token: 'scrape-token-0123' },
    otlp: {
      endpoint: 'http://127.0.0.1:4318',
      headers: { 'x-api-key': 'collector-key' },
      interval_ms: 15000,
    },
  };
  assert.deepEqual(parseConfig(yaml, 'yaml', 'memex.yml'), expected);
  assert.deepEqual(parseConfig(toml, 'toml', 'memex.toml'), expected);
});

test('tls paths relative to the config file are resolved against its directory', () => {
  const config = parseConfig(
    'tls:\n  cert: certs/memex.pem\n  key: ../keys/memex.key\n',
    'yaml',
    '/etc/memex/memex.yml',
  );
  assert.deepEqual(config.tls, { cert: '/etc/memex/certs/memex.pem', key: '/etc/keys/memex.key' });
  assert.equal(parseConfig('tls: null\n', 'yaml', 'f').tls, null);
});

test('auth.users alone is enough; auth.users with a bad hash or name is refused', () => {
  assert.deepEqual(
    parseConfig(`auth:\n  users:\n    alice: "${HASH}"\n    bob.b: "${HASH}"\n`, 'yaml', 'f').auth,
    { users: { alice: HASH, 'bob.b': HASH } },
  );
  const cases: [string, string][] = [
    [
      'auth:\n  users:\n    alice: hunter2\n',
      'm:3:5: auth.users.alice: not a password hash: expected scrypt$N=16384,r=8,p=1$<salt base64>$<key base64> (memex-proxy hash-password prints one)',
    ],
    [
      `auth:\n  users:\n    alice: "${HASH.replace('N=16384', 'N=1000')}"\n`,
      'm:3:5: auth.users.alice: not a password hash: N must be a power of 2',
    ],
    [
      `auth:\n  users:\n    alice: "${HASH.replace('N=16384', 'N=1048576')}"\n`,
      'm:3:5: auth.users.alice: not a password hash: N and r ask for more than 128 MiB per verify',
    ],
    ['auth:\n  users:\n    alice: 12\n', 'm:3:5: auth.users.alice: not a password hash: got 12'],
    [
      `auth:\n  users:\n    "a b": "${HASH}"\n`,
      'm:3:5: auth.users.a b: a user name is 1 to 64 letters, digits, ".", "_", "@", "+" and "-", starting with a letter or digit',
    ],
    ['auth:\n  users: {}\n', 'm:2:3: auth.users: expected a mapping of user name: password hash'],
    ['auth: {}\n', 'm:1:1: auth: expected users (name: password hash), or username and password'],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseConfig(text, 'yaml', 'm'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.ok(err.message.split('\n').includes(message), `${err.message}\nwanted ${message}`);
        assert.equal(err.message.includes('hunter2'), false);
        return true;
      },
    );
  }
});

test('metrics.token takes any RFC 6750 token; null or left out asks for none', () => {
  for (const token of ['abc', 'A-z0_9.~+/', 'YWJj==']) {
    assert.deepEqual(parseConfig(`metrics:\n  token: "${token}"\n`, 'yaml', 'f').metrics, {
      token,
    });
  }
  assert.deepEqual(parseConfig('metrics:\n  token: null\n', 'yaml', 'f').metrics, { token: null });
  assert.deepEqual(parseConfig('metrics: {}\n', 'yaml', 'f').metrics, { token: null });
});

test('keys left out keep their defaults and upstreams merge by name', () => {
  const config = parseConfig('upstreams:\n  ollama: http://127.0.0.1:11434\n', 'yaml', 'f');
  assert.equal(config.port, 8080);
  assert.equal(config.host, '127.0.0.1');
  assert.deepEqual(Object.keys(config.upstreams), [
    'anthropic',
    'openai',
    'gemini',
    'chatgpt',
    'ollama',
  ]);
  assert.deepEqual(config.timeouts, DEFAULT_CONFIG.timeouts);
});

// Each row: the file's text and the exact message memex prints for it.
const INVALID: readonly (readonly [ConfigFormat, string, string, string])[] = [
  [
    'yaml',
    'memex.yml',
    'otlp:\n  endpoint: http://user:pw@collector:4318\n',
    'memex.yml:2:3: otlp.endpoint: carries credentials; send them as a header in otlp.headers',
  ],
  [
    'yaml',
    'memex.yml',
    'otlp:\n  endpoint: collector:4318/v1?x=1\n',
    'memex.yml:2:3: otlp.endpoint: "collector:4318/v1?x=1" is not an http:// or https:// URL without a query (e.g. http://collector:4318)',
  ],
  [
    'yaml',
    'memex.yml',
    'otlp:\n  endpoint: http://collector:4318\n  interval_ms: 10\n',
    'memex.yml:3:3: otlp.interval_ms: 10 is not a whole number ≥ 1000',
  ],
  [
    'yaml',
    'memex.yml',
    'otlp:\n  headers:\n    x-api-key: "a\\nb"\n',
    'memex.yml:3:5: otlp.headers.x-api-key: expected a text value without line breaks',
  ],
  [
    'toml',
    'memex.toml',
    '[otlp]\nendpont = "http://c:4318"\n',
    'memex.toml:2:1: otlp.endpont: unknown key (did you mean "endpoint"?); known keys: endpoint, headers, interval_ms',
  ],
  [
    'yaml',
    'memex.yml',
    'history:\n  retention_days: 0\n',
    'memex.yml:2:3: history.retention_days: 0 is not a whole number ≥ 1',
  ],
  [
    'yaml',
    'memex.yml',
    'history:\n  path: ""\n',
    'memex.yml:2:3: history.path: "" is not a file path',
  ],
  [
    'toml',
    'memex.toml',
    '[inspector]\nenabled = "yes"\n',
    'memex.toml:2:1: inspector.enabled: "yes" is not true or false',
  ],
  [
    'yaml',
    'memex.yml',
    'inspector:\n  max_body_kb: 1.5\n',
    'memex.yml:2:3: inspector.max_body_kb: 1.5 is not a whole number ≥ 1',
  ],
  [
    'yaml',
    'memex.yml',
    'metrics:\n  token: "two words"\n',
    'memex.yml:2:3: metrics.token: expected a bearer token: letters, digits and - . _ ~ + / (e.g. from openssl rand -hex 32)',
  ],
  [
    'toml',
    'memex.toml',
    '[metrics]\ntoken = 42\n',
    'memex.toml:2:1: metrics.token: expected a bearer token: letters, digits and - . _ ~ + / (e.g. from openssl rand -hex 32)',
  ],
  [
    'yaml',
    'memex.yml',
    'metrics:\n  tokn: abc\n',
    'memex.yml:2:3: metrics.tokn: unknown key (did you mean "token"?); known keys: token',
  ],
  ['yaml', 'memex.yml', 'metrics: abc\n', 'memex.yml:1:1: metrics: expected a mapping with token'],
  [
    'yaml',
    'memex.yml',
    'prot: 80\n',
    'memex.yml:1:1: prot: unknown key (did you mean "port"?); known keys: host, port, upstreams, connect_ports, timeouts, auth, tls, pricing, notify, attribution, history, inspector, metrics, otlp',
  ],
  [
    'yaml',
    'memex.yml',
    'port: 8080\nupstreams:\n  anthropic: https://api.anthropic.com\n\n\n\n  openai: "htp://x"\n',
    'memex.yml:7:3: upstreams.openai: "htp://x" is not an http(s) URL',
  ],
  [
    'yaml',
    'memex.yml',
    'port: 70000\n',
    'memex.yml:1:1: port: 70000 is not a port from 0 to 65535',
  ],
  [
    'yaml',
    'memex.yml',
    'port: "8080"\n',
    'memex.yml:1:1: port: "8080" is not a port from 0 to 65535',
  ],
  [
    'yaml',
    'memex.yml',
    'timeouts:\n  connect_ms: -5\n',
    'memex.yml:2:3: timeouts.connect_ms: -5 is not a positive whole number of milliseconds',
  ],
  [
    'yaml',
    'memex.yml',
    'timeouts:\n  conect_ms: 5\n',
    'memex.yml:2:3: timeouts.conect_ms: unknown key (did you mean "connect_ms"?); known keys: header_ms, connect_ms, response_header_ms, stream_idle_ms, tunnel_idle_ms, websocket_idle_ms',
  ],
  [
    'yaml',
    'memex.yml',
    'connect_ports: [443, 0]\n',
    'memex.yml:1:1: connect_ports.1: 0 is not a port from 1 to 65535',
  ],
  [
    'yaml',
    'memex.yml',
    'connect_ports: 443\n',
    'memex.yml:1:1: connect_ports: expected a list of ports, e.g. [443]',
  ],
  [
    'yaml',
    'memex.yml',
    'upstreams: https://x\n',
    'memex.yml:1:1: upstreams: expected a mapping of name: URL',
  ],
  ['yaml', 'memex.yml', 'host: ""\n', 'memex.yml:1:1: host: "" is not a host name or address'],
  [
    'yaml',
    'memex.yml',
    '- 1\n- 2\n',
    'memex.yml: expected a mapping of keys (host, port, upstreams, connect_ports, timeouts, auth, tls, pricing, notify, attribution, history, inspector, metrics, otlp)',
  ],
  [
    'yaml',
    'memex.yml',
    'pricing:\n  claude-*:\n    input_per_mtok: -3\n',
    'memex.yml:3:5: pricing.claude-*.input_per_mtok: -3 is not a price (a number ≥ 0)',
  ],
  [
    'yaml',
    'memex.yml',
    'pricing:\n  gpt-*:\n    output_per_mtk: 8\n',
    'memex.yml:3:5: pricing.gpt-*.output_per_mtk: unknown key (did you mean "output_per_mtok"?); known keys: input_per_mtok, output_per_mtok, cache_read_per_mtok, cache_write_per_mtok',
  ],
  [
    'yaml',
    'memex.yml',
    'pricing:\n  gpt-*: 8\n',
    'memex.yml:2:3: pricing.gpt-*: expected a mapping of rates per million tokens',
  ],
  [
    'toml',
    'memex.toml',
    '[pricing."gpt-*"]\ninput_per_mtok = "2"\n',
    'memex.toml:2:1: pricing.gpt-*.input_per_mtok: "2" is not a price (a number ≥ 0)',
  ],
  [
    'yaml',
    'memex.yml',
    'port: 80\nport: 81\n',
    'memex.yml:2:1: YAML syntax error: Map keys must be unique',
  ],
  [
    'yaml',
    'memex.yml',
    'upstreams:\n  a: : b\n',
    'memex.yml:2:6: YAML syntax error: Nested mappings are not allowed in compact mappings',
  ],
  [
    'toml',
    'memex.toml',
    'prot = 80\n',
    'memex.toml:1:1: prot: unknown key (did you mean "port"?); known keys: host, port, upstreams, connect_ports, timeouts, auth, tls, pricing, notify, attribution, history, inspector, metrics, otlp',
  ],
  [
    'toml',
    'memex.toml',
    'port = 8080\n\n[upstreams]\nopenai = "htp://x"\n',
    'memex.toml:4:1: upstreams.openai: "htp://x" is not an http(s) URL',
  ],
  [
    'toml',
    'memex.toml',
    '[timeouts]\nstream_idle_ms = 0\n',
    'memex.toml:2:1: timeouts.stream_idle_ms: 0 is not a positive whole number of milliseconds',
  ],
  [
    'toml',
    'memex.toml',
    'timeouts.connect_ms = 1.5\n',
    'memex.toml:1:1: timeouts.connect_ms: 1.5 is not a positive whole number of milliseconds',
  ],
  [
    'toml',
    'memex.toml',
    'port = 8080\nhost = \n',
    'memex.toml:2:8: TOML syntax error: invalid value',
  ],
];

test('every invalid config is an error naming file, line, column and key path', () => {
  for (const [format, file, text, message] of INVALID) {
    assert.throws(
      () => parseConfig(text, format, file),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${file}: ${text}`);
        assert.equal(err.message, message);
        assert.equal(err.file, file);
        return true;
      },
    );
  }
});

test('several problems are all reported, one line each', () => {
  assert.throws(
    () => parseConfig('port: -1\nhots: x\n', 'yaml', 'memex.yml'),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues.length, 2);
      assert.equal(err.keyPath, 'hots');
      assert.equal(err.line, 2);
      assert.match(err.message, /^memex\.yml:2:1: hots: unknown key \(did you mean "host"\?\)/);
      assert.match(err.message, /\nmemex\.yml:1:1: port: -1 is not a port from 0 to 65535$/);
      return true;
    },
  );
});

test('locateTomlKey finds keys under table headers and dotted keys', () => {
  const text = 'port = 1\n[upstreams]\n  a = "x"\n[timeouts]\nconnect_ms = 3\n';
  assert.deepEqual(locateTomlKey(text, ['port']), { line: 1, column: 1 });
  assert.deepEqual(locateTomlKey(text, ['upstreams', 'a']), { line: 3, column: 3 });
  assert.deepEqual(locateTomlKey(text, ['timeouts', 'connect_ms']), { line: 5, column: 1 });
  assert.deepEqual(locateTomlKey(text, ['timeouts']), { line: 4, column: 1 });
  assert.equal(locateTomlKey(text, ['missing']), undefined);
});
