import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IncomingHttpHeaders } from 'node:http';
import { identifyClient, NO_CLIENT, sessionOf } from '../../../proxy-core/observe/client.js';
import { loadRequestHeads } from '../../helpers/request-heads.js';

const HEADS = loadRequestHeads();

// Every capture's expected client and session: the fixtures are the agents' real traffic.
const EXPECTED: Readonly<Record<string, { name: string; version: string; session?: string }>> = {
  'claude-code-2.1.332': {
    name: 'Claude Code',
    version: '2.1.332',
    session: 'bcc7e7a2-93cd-47ea-bec4-38323be0563e',
  },
  'codex-cli-0.171.0': {
    name: 'Codex CLI',
    version: '0.171.0',
    session: '01a2381a-d6bd-7242-832d-7a943fab4bd4',
  },
  'gemini-cli-0.61.0': { name: 'Gemini CLI', version: '0.61.0' },
  'opencode-1.18.33-anthropic': {
    name: 'opencode',
    version: '1.18.33',
    session: 'ses_dc7e50d80ffePo0N32yqqy2n62',
  },
  'opencode-1.18.33-openai': {
    name: 'opencode',
    version: '1.18.33',
    session: 'ses_dc7e4f7b7ffeyoRtzY9mGcqzDn',
  },
};

test('every captured agent head is attributed to its client, version and session', () => {
  assert.deepEqual(Object.keys(HEADS).sort(), Object.keys(EXPECTED).sort());
  for (const [capture, heads] of Object.entries(HEADS)) {
    const expected = EXPECTED[capture];
    assert.ok(expected !== undefined && heads.length > 0, capture);
    for (const head of heads) {
      assert.deepEqual(
        identifyClient(head.headers),
        { name: expected.name, version: expected.version },
        capture,
      );
      assert.equal(sessionOf(head.headers), expected.session, capture);
    }
  }
});

test("Codex's session comes from the turn metadata when no session-id header is sent", () => {
  const codex = HEADS['codex-cli-0.171.0']?.[0];
  assert.ok(codex !== undefined);
  const rest: Record<string, string> = { ...codex.headers };
  delete rest['session-id'];
  assert.equal(sessionOf(rest), '01a2381a-d6bd-7242-832d-7a943fab4bd4');
  assert.equal(sessionOf({ 'x-codex-turn-metadata': '{"session_id": 7}' }), undefined);
  assert.equal(sessionOf({ 'x-codex-turn-metadata': '{not json' }), undefined);
  assert.equal(sessionOf({ 'x-codex-turn-metadata': 'x'.repeat(10_000) }), undefined);
});

test('the Codex TUI is Codex CLI too', () => {
  assert.deepEqual(
    identifyClient({ 'user-agent': 'codex_cli_rs/0.171.0 (Mac OS 15.5.0; arm64) iTerm.app/3.5' }),
    { name: 'Codex CLI', version: '0.171.0' },
  );
});

const TABLE: readonly (readonly [IncomingHttpHeaders, string, string | null])[] = [
  [
    {
      'user-agent': 'Anthropic/JS 0.71.0',
      'x-stainless-runtime': 'node',
      'x-stainless-runtime-version': 'v24.11.0',
    },
    'Anthropic SDK (JS)',
    '0.71.0 (node v24.11.0)',
  ],
  [
    {
      'user-agent': 'Anthropic/Python 0.72.1',
      'x-stainless-runtime': 'CPython',
      'x-stainless-runtime-version': '3.12.4',
    },
    'Anthropic SDK (Python)',
    '0.72.1 (CPython 3.12.4)',
  ],
  [{ 'user-agent': 'OpenAI/JS 6.9.0' }, 'OpenAI SDK (JS)', '6.9.0'],
  [
    { 'user-agent': 'OpenAI/Python 2.8.0', 'x-stainless-runtime': 'CPython' },
    'OpenAI SDK (Python)',
    '2.8.0 (CPython)',
  ],
  [
    { 'user-agent': 'ai-sdk/anthropic/2.0.45 ai-sdk/provider-utils/3.0.17 runtime/node.js/24' },
    'Vercel AI SDK',
    '3.0.17',
  ],
  [
    { 'user-agent': 'ai/5.0.1 ai-sdk-provider-utils/4.0.16 runtime-node/24' },
    'Vercel AI SDK',
    '4.0.16',
  ],
  [{ 'user-agent': 'langchain/0.3.27' }, 'LangChain', '0.3.27'],
  [{ 'user-agent': 'langchainjs-openai/0.6.1' }, 'LangChain', '0.6.1'],
  [{ 'user-agent': 'curl/8.14.1' }, 'curl', '8.14.1'],
  [{ 'user-agent': 'python-httpx/0.28.1' }, 'Python httpx', '0.28.1'],
  [{ 'user-agent': 'node' }, 'Node.js fetch', null],
  [{ 'user-agent': 'google-genai-sdk/1.30.0 gl-node/v24.11.0' }, 'Google Gen AI SDK', '1.30.0'],
];

test('SDKs, frameworks and tools by their user agents, SDKs with their runtime', () => {
  for (const [headers, name, version] of TABLE) {
    assert.deepEqual(identifyClient(headers), { name, version }, String(headers['user-agent']));
  }
});

test('an unknown client is its user agent cut to 60 characters, control characters blanked', () => {
  const agent = `MyScript/1.0 ${'x'.repeat(100)}`;
  assert.deepEqual(identifyClient({ 'user-agent': agent }), {
    name: agent.slice(0, 60),
    version: null,
  });
  assert.deepEqual(identifyClient({ 'user-agent': 'evil\u0007\u001bagent' }), {
    name: 'evil  agent',
    version: null,
  });
  assert.equal(identifyClient({}), NO_CLIENT);
  assert.equal(identifyClient({ 'user-agent': '' }), NO_CLIENT);
});

test('a session id that is long or odd is not kept', () => {
  assert.equal(sessionOf({ 'x-session-id': 'a'.repeat(129) }), undefined);
  assert.equal(sessionOf({ 'x-session-id': 'a b' }), undefined);
  assert.equal(sessionOf({ 'x-session-id': '<script>' }), undefined);
  assert.equal(sessionOf({ 'x-session-id': 'ses_1' }), 'ses_1');
  assert.equal(sessionOf({}), undefined);
});
