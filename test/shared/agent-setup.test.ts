import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import {
  AGENTS,
  CLIENT_NAMES,
  agentSeen,
  agentSnippet,
  isAgentId,
  type AgentId,
} from '../../shared/agent-setup.js';
import { SHELLS, type ListenAddress, type Shell } from '../../shared/env.js';
import type { ClientStats } from '../../shared/who.js';
import { DEFAULT_UPSTREAMS } from '../../proxy-core/config/config.js';
import { route, toRouteTable } from '../../proxy-core/http/route.js';
import { runToExit } from '../helpers/process-spawn.js';

const PATH = process.env.PATH ?? '/usr/bin:/bin';
const ADDRESS: ListenAddress = { host: '127.0.0.1', port: 8080 };
const ORIGIN = 'http://127.0.0.1:8080';

const OPENCODE_JSON = [
  '{',
  '  "$schema": "https://opencode.ai/config.json",',
  '  "provider": {',
  '    "anthropic": {',
  '      "options": {',
  '        "baseURL": "http://127.0.0.1:8080/anthropic/v1"',
  '      }',
  '    },',
  '    "openai": {',
  '      "options": {',
  '        "baseURL": "http://127.0.0.1:8080/openai/v1"',
  '      }',
  '    }',
  '  }',
  '}',
].join('\n');

// Env agents: [variable, URL]; each shell writes the same assignment its own way.
const ENV_AGENTS: Readonly<Partial<Record<AgentId, readonly [string, string]>>> = {
  'claude-code': ['ANTHROPIC_BASE_URL', `${ORIGIN}/anthropic`],
  'gemini-cli': ['GOOGLE_GEMINI_BASE_URL', `${ORIGIN}/gemini`],
  'anthropic-sdk': ['ANTHROPIC_BASE_URL', `${ORIGIN}/anthropic`],
  'openai-sdk': ['OPENAI_BASE_URL', `${ORIGIN}/openai/v1`],
};

const SET_LINE: Readonly<Record<Shell, (name: string, value: string) => string>> = {
  bash: (name, value) => `export ${name}='${value}'`,
  fish: (name, value) => `set -gx ${name} '${value}'`,
  powershell: (name, value) => `$env:${name} = '${value}'`,
  cmd: (name, value) => `set "${name}=${value}"`,
};

const FILE_AGENTS: Readonly<Partial<Record<AgentId, { file: string; text: string }>>> = {
  codex: {
    file: '~/.codex/config.toml',
    text: 'openai_base_url = "http://127.0.0.1:8080/openai/v1"',
  },
  'codex-chatgpt': {
    file: '~/.codex/config.toml',
    text: 'openai_base_url = "http://127.0.0.1:8080/chatgpt/backend-api/codex"',
  },
  opencode: { file: '~/.config/opencode/opencode.json', text: OPENCODE_JSON },
};

test('lists the agents in menu order, each recognised by its client names', () => {
  assert.deepEqual(
    AGENTS.map((agent) => [agent.id, agent.label, agent.clients]),
    [
      ['claude-code', 'Claude Code', ['Claude Code']],
      ['codex', 'Codex CLI (API key)', ['Codex CLI']],
      ['codex-chatgpt', 'Codex CLI (ChatGPT plan)', ['Codex CLI']],
      ['gemini-cli', 'Gemini CLI', ['Gemini CLI']],
      ['opencode', 'opencode', ['opencode']],
      [
        'anthropic-sdk',
        'Anthropic SDK (JS, Python)',
        ['Anthropic SDK (JS)', 'Anthropic SDK (Python)'],
      ],
      ['openai-sdk', 'OpenAI SDK (JS, Python)', ['OpenAI SDK (JS)', 'OpenAI SDK (Python)']],
    ],
  );
  assert.deepEqual(Object.values(CLIENT_NAMES).sort(), [
    'Anthropic SDK (JS)',
    'Anthropic SDK (Python)',
    'Claude Code',
    'Codex CLI',
    'Gemini CLI',
    'OpenAI SDK (JS)',
    'OpenAI SDK (Python)',
    'opencode',
  ]);
});

test('produces the exact text for every agent and shell', () => {
  for (const { id } of AGENTS) {
    for (const { id: shell } of SHELLS) {
      const env = ENV_AGENTS[id];
      const file = FILE_AGENTS[id];
      const expected =
        env !== undefined
          ? { kind: 'shell', shell, text: SET_LINE[shell](...env) }
          : { kind: 'file', ...file };
      assert.deepEqual(agentSnippet(id, shell, ADDRESS), expected, `${id} ${shell}`);
    }
  }
});

test('names an address clients can reach, IPv6 in brackets', () => {
  const address = { host: '::', port: 9000 };
  assert.equal(
    agentSnippet('claude-code', 'bash', address).text,
    "export ANTHROPIC_BASE_URL='http://[::1]:9000/anthropic'",
  );
  assert.equal(
    agentSnippet('codex', 'bash', address).text,
    'openai_base_url = "http://[::1]:9000/openai/v1"',
  );
});

test('the Codex lines are TOML whose openai_base_url is the route', () => {
  const cases: [AgentId, string][] = [
    ['codex', `${ORIGIN}/openai/v1`],
    ['codex-chatgpt', `${ORIGIN}/chatgpt/backend-api/codex`],
  ];
  for (const [agent, url] of cases) {
    assert.deepEqual(
      { ...parseToml(agentSnippet(agent, 'bash', ADDRESS).text) },
      {
        openai_base_url: url,
      },
    );
  }
  // smol-toml returns null-prototype tables, hence the spread copies. A host that needs escaping still parses back to itself.
  const odd = agentSnippet('codex', 'bash', { host: 'a"b\\c', port: 1 }).text;
  assert.deepEqual({ ...parseToml(odd) }, { openai_base_url: 'http://a"b\\c:1/openai/v1' });
});

test('the opencode text is JSON with each baseURL under provider.<id>.options', () => {
  const parsed = JSON.parse(agentSnippet('opencode', 'bash', ADDRESS).text) as {
    provider: Record<string, { options: { baseURL: string } }>;
  };
  assert.equal(parsed.provider.anthropic?.options.baseURL, `${ORIGIN}/anthropic/v1`);
  assert.equal(parsed.provider.openai?.options.baseURL, `${ORIGIN}/openai/v1`);
});

// Each base URL plus what its client appends to it (from each client's source, and
// test/fixtures/clients/request-heads.json), routed by memex's default upstreams.
const CALLS: readonly (readonly [AgentId, string, string, string, string])[] = [
  ['claude-code', `${ORIGIN}/anthropic`, '/v1/messages', 'https://api.anthropic.com', 'anthropic'],
  ['codex', `${ORIGIN}/openai/v1`, '/responses', 'https://api.openai.com', 'openai-responses'],
  [
    'codex-chatgpt',
    `${ORIGIN}/chatgpt/backend-api/codex`,
    '/responses',
    'https://chatgpt.com',
    'openai-responses',
  ],
  [
    'gemini-cli',
    `${ORIGIN}/gemini`,
    '/v1beta/models/gemini-3.8-flash:streamGenerateContent',
    'https://generativelanguage.googleapis.com',
    'gemini',
  ],
  ['opencode', `${ORIGIN}/anthropic/v1`, '/messages', 'https://api.anthropic.com', 'anthropic'],
  ['opencode', `${ORIGIN}/openai/v1`, '/responses', 'https://api.openai.com', 'openai-responses'],
  [
    'anthropic-sdk',
    `${ORIGIN}/anthropic`,
    '/v1/messages',
    'https://api.anthropic.com',
    'anthropic',
  ],
  ['openai-sdk', `${ORIGIN}/openai/v1`, '/chat/completions', 'https://api.openai.com', 'openai'],
];

test("each agent's calls reach its API through a default route, counted under its schema", () => {
  const table = toRouteTable(DEFAULT_UPSTREAMS, () => false);
  for (const [agent, base, suffix, upstream, schema] of CALLS) {
    assert.ok(agentSnippet(agent, 'bash', ADDRESS).text.includes(base), `${agent} sets ${base}`);
    const decided = route(new URL(base + suffix).pathname, table);
    assert.equal(decided.kind, 'reverse', `${agent} ${suffix}`);
    assert.equal(DEFAULT_UPSTREAMS[decided.upstream.name], upstream, `${agent} ${suffix}`);
    assert.equal(decided.schema, schema, `${agent} ${suffix}`);
  }
});

// Real shells, as test/shared/env.test.ts runs them (dash reads the bash text as POSIX sh).
const RUNNERS = [
  { name: 'bash', shell: 'bash', file: '/usr/bin/bash', args: ['--noprofile', '--norc', '-c'] },
  { name: 'dash', shell: 'bash', file: '/usr/bin/dash', args: ['-c'] },
  { name: 'fish', shell: 'fish', file: '/usr/bin/fish', args: ['--no-config', '-c'] },
] as const;

async function variableAfter(
  t: TestContext,
  runner: (typeof RUNNERS)[number],
  snippet: string,
  name: string,
): Promise<string> {
  const result = await runToExit(t, runner.file, [...runner.args, `${snippet}\nenv`], {
    env: { PATH },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const line = result.stdout
    .toString('utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`${name}=`));
  assert.ok(line !== undefined, `${runner.name}: ${name} not set`);
  return line.slice(name.length + 1);
}

test('the shell lines, run in bash, dash and fish, set the variable to the exact URL', async (t) => {
  for (const runner of RUNNERS) {
    for (const [agent, expected] of Object.entries(ENV_AGENTS) as [AgentId, [string, string]][]) {
      const [name, url] = expected;
      const snippet = agentSnippet(agent, runner.shell, ADDRESS).text;
      assert.equal(await variableAfter(t, runner, snippet, name), url, `${runner.name} ${agent}`);
    }
    // Quoting holds for a host no shell may expand.
    const host = `it's$HOME\\"x`;
    const odd = agentSnippet('gemini-cli', runner.shell, { host, port: 1 }).text;
    assert.equal(
      await variableAfter(t, runner, odd, 'GOOGLE_GEMINI_BASE_URL'),
      `http://${host}:1/gemini`,
      runner.name,
    );
  }
});

function client(name: string, overrides: Partial<ClientStats> = {}): ClientStats {
  return {
    name,
    version: null,
    sessionsToday: 0,
    requests: 0,
    errors: 0,
    bytesIn: 0,
    bytesOut: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    cost: null,
    tunnels: 0,
    firstSeen: 0,
    lastSeen: 0,
    today: { requests: 0, tokens: 0, cost: null },
    ...overrides,
  };
}

test('an agent is seen by requests, by tunnels only, or not at all', () => {
  const clients = [
    client('Claude Code', { requests: 14, tunnels: 2, lastSeen: 500 }),
    client('Gemini CLI', { tunnels: 3, lastSeen: 700 }),
    client('Anthropic SDK (JS)', { requests: 2, lastSeen: 100 }),
    client('Anthropic SDK (Python)', { requests: 3, lastSeen: 300 }),
    client('curl', { requests: 9, lastSeen: 900 }),
  ];
  assert.deepEqual(agentSeen('claude-code', clients), {
    kind: 'requests',
    requests: 14,
    lastSeen: 500,
  });
  assert.deepEqual(agentSeen('gemini-cli', clients), {
    kind: 'tunnels',
    tunnels: 3,
    lastSeen: 700,
  });
  assert.deepEqual(agentSeen('anthropic-sdk', clients), {
    kind: 'requests',
    requests: 5,
    lastSeen: 300,
  });
  assert.deepEqual(agentSeen('opencode', clients), { kind: 'never' });
  assert.deepEqual(agentSeen('claude-code', []), { kind: 'never' });
});

test('only known agent ids pass the check', () => {
  assert.deepEqual(
    ['codex', 'opencode', 'Codex', '', null, 'toString', '__proto__'].map(isAgentId),
    [true, true, false, false, false, false, false],
  );
});
