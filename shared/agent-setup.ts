// "Connect an agent": for each coding agent and SDK, the one setting that sends its API traffic
// through memex's reverse routes (shell lines, or a config file's text), and the client names
// memex reports that traffic under, so a view can say whether the setting has taken.

import { setVariable, toClientOrigin, type ListenAddress, type Shell } from './env.js';
import type { ClientStats } from './who.js';

/** Client names as memex's client table reports them (ClientStats.name). */
export const CLIENT_NAMES = {
  claudeCode: 'Claude Code',
  codex: 'Codex CLI',
  geminiCli: 'Gemini CLI',
  opencode: 'opencode',
  anthropicSdkJs: 'Anthropic SDK (JS)',
  anthropicSdkPython: 'Anthropic SDK (Python)',
  openaiSdkJs: 'OpenAI SDK (JS)',
  openaiSdkPython: 'OpenAI SDK (Python)',
} as const;

/**
 * Where an agent reads its base URL from. Each value is a path on memex's origin
 * (`/anthropic` → `http://127.0.0.1:8080/anthropic`).
 */
export type AgentSetting =
  /** Environment variables, set in the shell the agent starts from: [name, path]. */
  | { readonly kind: 'env'; readonly variables: readonly (readonly [string, string])[] }
  /** Top-level keys of a TOML file: [key, path]. */
  | {
      readonly kind: 'toml';
      readonly file: string;
      readonly keys: readonly (readonly [string, string])[];
    }
  /** A JSON file: [key path, path], plus the file's `$schema`. */
  | {
      readonly kind: 'json';
      readonly file: string;
      readonly schema: string;
      readonly keys: readonly (readonly [readonly string[], string])[];
    };

export interface AgentRow {
  readonly id: string;
  readonly label: string;
  /** The client names its traffic is counted under (several for an SDK in two languages). */
  readonly clients: readonly string[];
  readonly setting: AgentSetting;
  /** What else the user must know for the setting to work; '' when nothing. */
  readonly note: string;
}

// Codex ignores `openai_base_url` in a project's .codex/config.toml, and TOML puts a table's
// keys after its header, so the line belongs at the top of the user's file.
const CODEX_NOTE =
  'Put the line at the top of ~/.codex/config.toml, above any [section]. Both Codex rows set ' +
  'the same key: keep the one that matches how you sign in.';

/** One row per agent, in menu order. */
export const AGENTS = [
  {
    id: 'claude-code',
    label: 'Claude Code',
    clients: [CLIENT_NAMES.claudeCode],
    // Claude Code appends /v1/messages itself (code.claude.com/docs/en/llm-gateway).
    setting: { kind: 'env', variables: [['ANTHROPIC_BASE_URL', '/anthropic']] },
    note: '',
  },
  {
    id: 'codex',
    label: 'Codex CLI (API key)',
    clients: [CLIENT_NAMES.codex],
    // Codex no longer reads OPENAI_BASE_URL (removed in openai/codex#16720, April 2026); the
    // built-in provider takes `openai_base_url` and appends /responses (HTTP and WebSocket).
    setting: {
      kind: 'toml',
      file: '~/.codex/config.toml',
      keys: [['openai_base_url', '/openai/v1']],
    },
    note: CODEX_NOTE,
  },
  {
    id: 'codex-chatgpt',
    label: 'Codex CLI (ChatGPT plan)',
    clients: [CLIENT_NAMES.codex],
    // Signed in with ChatGPT, Codex's model calls default to chatgpt.com/backend-api/codex and
    // follow `openai_base_url` like an API key's do; `chatgpt_base_url` moves only its other
    // ChatGPT backend calls, not the model traffic (codex-rs/model-provider-info/src/lib.rs).
    setting: {
      kind: 'toml',
      file: '~/.codex/config.toml',
      keys: [['openai_base_url', '/chatgpt/backend-api/codex']],
    },
    note: CODEX_NOTE,
  },
  {
    id: 'gemini-cli',
    label: 'Gemini CLI',
    clients: [CLIENT_NAMES.geminiCli],
    // Handed to @google/genai as its baseUrl, which appends /v1beta/models/… (gemini-cli
    // packages/core/src/core/contentGenerator.ts). Measured: with HTTPS_PROXY set, Gemini CLI
    // sends even an http:// base URL's traffic through a CONNECT tunnel.
    setting: { kind: 'env', variables: [['GOOGLE_GEMINI_BASE_URL', '/gemini']] },
    note:
      'For a Gemini API key (Login with Google talks to Code Assist, which has no such ' +
      'setting). Run it where HTTPS_PROXY is not set: with it, Gemini CLI tunnels even this ' +
      'traffic, and a tunnel hides its tokens.',
  },
  {
    id: 'opencode',
    label: 'opencode',
    clients: [CLIENT_NAMES.opencode],
    // The AI SDK providers append /messages and /responses to a baseURL that includes /v1.
    setting: {
      kind: 'json',
      file: '~/.config/opencode/opencode.json',
      schema: 'https://opencode.ai/config.json',
      keys: [
        [['provider', 'anthropic', 'options', 'baseURL'], '/anthropic/v1'],
        [['provider', 'openai', 'options', 'baseURL'], '/openai/v1'],
      ],
    },
    note: 'Merge it into a file you already have; a project’s opencode.json works too.',
  },
  {
    id: 'anthropic-sdk',
    label: 'Anthropic SDK (JS, Python)',
    clients: [CLIENT_NAMES.anthropicSdkJs, CLIENT_NAMES.anthropicSdkPython],
    setting: { kind: 'env', variables: [['ANTHROPIC_BASE_URL', '/anthropic']] },
    note: '',
  },
  {
    id: 'openai-sdk',
    label: 'OpenAI SDK (JS, Python)',
    clients: [CLIENT_NAMES.openaiSdkJs, CLIENT_NAMES.openaiSdkPython],
    setting: { kind: 'env', variables: [['OPENAI_BASE_URL', '/openai/v1']] },
    note: '',
  },
] as const satisfies readonly AgentRow[];

export type AgentId = (typeof AGENTS)[number]['id'];

/** The text to copy for an agent: shell lines, or a whole config file. */
export type AgentSnippet =
  | { readonly kind: 'shell'; readonly shell: Shell; readonly text: string }
  | { readonly kind: 'file'; readonly file: string; readonly text: string };

/** Whether `value` names an agent (IPC arguments arrive untyped). */
export function isAgentId(value: unknown): value is AgentId {
  return AGENTS.some((agent) => agent.id === value);
}

/** The row for `id`. */
export function agentRow(id: AgentId): AgentRow {
  const row: AgentRow | undefined = AGENTS.find((agent) => agent.id === id);
  if (row === undefined) throw new Error(`no agent ${id}`);
  return row;
}

/**
 * What sets up `agent` for the proxy at `address`: lines for `shell` (joined by '\n'), or the
 * text of its config file (`shell` is then unused). No trailing newline.
 */
export function agentSnippet(agent: AgentId, shell: Shell, address: ListenAddress): AgentSnippet {
  const origin = toClientOrigin(address);
  const setting = agentRow(agent).setting;
  switch (setting.kind) {
    case 'env':
      return {
        kind: 'shell',
        shell,
        text: setting.variables
          .map(([name, path]) => setVariable(shell, name, origin + path))
          .join('\n'),
      };
    case 'toml':
      return {
        kind: 'file',
        file: setting.file,
        // A JSON string of a URL is a TOML basic string: both escape `"`, `\` and control
        // characters the same way (TOML 1.0 §String).
        text: setting.keys
          .map(([key, path]) => `${key} = ${JSON.stringify(origin + path)}`)
          .join('\n'),
      };
    case 'json': {
      const document: Record<string, unknown> = { $schema: setting.schema };
      for (const [keyPath, path] of setting.keys) setAt(document, keyPath, origin + path);
      return { kind: 'file', file: setting.file, text: JSON.stringify(document, null, 2) };
    }
  }
}

/** What memex has seen of an agent's clients. */
export type AgentSeen =
  | { readonly kind: 'never' }
  /** Only CONNECT tunnels: the agent goes through HTTPS_PROXY, not its base URL. */
  | { readonly kind: 'tunnels'; readonly tunnels: number; readonly lastSeen: number }
  | { readonly kind: 'requests'; readonly requests: number; readonly lastSeen: number };

/** Sums what `clients` counted under any of `agent`'s client names. */
export function agentSeen(agent: AgentId, clients: readonly ClientStats[]): AgentSeen {
  const names: readonly string[] = agentRow(agent).clients;
  let requests = 0;
  let tunnels = 0;
  let lastSeen = 0;
  for (const client of clients) {
    if (!names.includes(client.name)) continue;
    requests += client.requests;
    tunnels += client.tunnels;
    lastSeen = Math.max(lastSeen, client.lastSeen);
  }
  if (requests > 0) return { kind: 'requests', requests, lastSeen };
  if (tunnels > 0) return { kind: 'tunnels', tunnels, lastSeen };
  return { kind: 'never' };
}

function setAt(target: Record<string, unknown>, keyPath: readonly string[], value: string): void {
  const [key, ...rest] = keyPath;
  if (key === undefined) return;
  if (rest.length === 0) {
    target[key] = value;
    return;
  }
  const existing = target[key];
  const child: Record<string, unknown> =
    typeof existing === 'object' && existing !== null ? (existing as Record<string, unknown>) : {};
  target[key] = child;
  setAt(child, rest, value);
}
