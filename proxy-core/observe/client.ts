// Which client program sent a request, and which of its sessions: pure functions of the request
// head, driven by one table (one row per client, first match wins), so adding a client is one
// row. Heads come from shared/fixtures/clients/request-heads.json (real agents' traffic).

import type { IncomingHttpHeaders } from 'node:http';
import type { ClientRef } from '../../shared/who.js';

interface ClientRule {
  readonly name: string;
  /** Matched against the user agent; group 1 is the version. */
  readonly userAgent: RegExp;
  /** Runtime headers the client's SDK sends (`x-stainless-*`), appended to the version. */
  readonly stainless?: boolean;
}

// Agents before SDKs: Claude Code is built on the Anthropic SDK and sends its `x-stainless-*`
// too, and opencode's agent string contains the AI SDK's.
const CLIENT_RULES: readonly ClientRule[] = [
  { name: 'Claude Code', userAgent: /^claude-cli\/([\w.+-]+)/ },
  // `codex_exec` for `codex exec`, `codex_cli_rs` for the TUI; the IDE extensions use the same core.
  { name: 'Codex CLI', userAgent: /^codex_(?:exec|cli_rs|tui)\/([\w.+-]+)/ },
  { name: 'Gemini CLI', userAgent: /^GeminiCLI(?:-[\w-]+)?\/([\w.+-]+)/ },
  { name: 'opencode', userAgent: /^opencode\/([\w.+-]+)/ },
  { name: 'Anthropic SDK (JS)', userAgent: /^Anthropic\/JS ([\w.+-]+)/, stainless: true },
  { name: 'Anthropic SDK (Python)', userAgent: /^Anthropic\/Python ([\w.+-]+)/, stainless: true },
  { name: 'OpenAI SDK (JS)', userAgent: /^OpenAI\/JS ([\w.+-]+)/, stainless: true },
  { name: 'OpenAI SDK (Python)', userAgent: /^OpenAI\/Python ([\w.+-]+)/, stainless: true },
  { name: 'Google Gen AI SDK', userAgent: /^google-genai-sdk\/([\w.+-]+)/ },
  // The AI SDK writes `ai-sdk/provider-utils/<v>`, since 4.0.16 `ai-sdk-provider-utils/<v>`.
  { name: 'Vercel AI SDK', userAgent: /(?:^|\s)ai-sdk[/-]provider-utils\/([\w.+-]+)/ },
  { name: 'LangChain', userAgent: /^langchain(?:js)?(?:-[\w]+)?\/([\w.+-]+)/ },
  { name: 'LiteLLM', userAgent: /^litellm\/([\w.+-]+)/ },
  { name: 'curl', userAgent: /^curl\/([\w.+-]+)/ },
  { name: 'Wget', userAgent: /^Wget\/([\w.+-]+)/ },
  { name: 'HTTPie', userAgent: /^HTTPie\/([\w.+-]+)/ },
  { name: 'Python httpx', userAgent: /^python-httpx\/([\w.+-]+)/ },
  { name: 'Python requests', userAgent: /^python-requests\/([\w.+-]+)/ },
  { name: 'Python aiohttp', userAgent: /^Python\/[\d.]+ aiohttp\/([\w.+-]+)/ },
  { name: 'Go', userAgent: /^Go-http-client\/([\w.+-]+)/ },
  { name: 'Bun', userAgent: /^Bun\/([\w.+-]+)/ },
  { name: 'Deno', userAgent: /^Deno\/([\w.+-]+)/ },
  // Node's fetch (undici) sends a bare `node`.
  { name: 'Node.js fetch', userAgent: /^(?:node|undici)(?:\/([\w.+-]+))?$/ },
  { name: 'Postman', userAgent: /^PostmanRuntime\/([\w.+-]+)/ },
];

/** How many characters of an unknown client's user agent stand for its name. */
export const UNKNOWN_AGENT_CHARS = 60;

/** The client of a request without a user agent. */
export const NO_CLIENT: ClientRef = { name: 'unknown', version: null };

// A client sends the same head on every request: each distinct agent string is matched once.
const CACHE_LIMIT = 256;
const cache = new Map<string, ClientRef>();

/** {@link identifyClient}, remembered per user agent and runtime. */
export function clientOf(headers: IncomingHttpHeaders): ClientRef {
  const agent = headers['user-agent'];
  if (agent === undefined) return NO_CLIENT;
  const runtime = headers['x-stainless-runtime'];
  const key =
    runtime === undefined
      ? agent
      : `${agent}\n${String(runtime)}\n${String(headers['x-stainless-runtime-version'])}`;
  let client = cache.get(key);
  if (client === undefined) {
    client = identifyClient(headers);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(key, client);
  }
  return client;
}

/** The client a request head names (`user-agent`, and the SDK's `x-stainless-*` runtime). */
export function identifyClient(headers: IncomingHttpHeaders): ClientRef {
  const agent = headers['user-agent'];
  if (agent === undefined || agent === '') return NO_CLIENT;
  for (const rule of CLIENT_RULES) {
    const match = rule.userAgent.exec(agent);
    if (match === null) continue;
    const version = match[1] ?? null;
    if (rule.stainless !== true) return { name: rule.name, version };
    const runtime = runtimeOf(headers);
    return {
      name: rule.name,
      version: runtime === null ? version : `${version ?? '?'} (${runtime})`,
    };
  }
  return { name: printable(agent).slice(0, UNKNOWN_AGENT_CHARS), version: null };
}

// `node v22.1.0`, `CPython 3.12.4`: which runtime an SDK client runs on.
function runtimeOf(headers: IncomingHttpHeaders): string | null {
  const runtime = single(headers['x-stainless-runtime']);
  if (runtime === undefined) return null;
  const version = single(headers['x-stainless-runtime-version']);
  return printable(version === undefined ? runtime : `${runtime} ${version}`).slice(0, 40);
}

// First match wins: the agents' own headers (Claude Code, Codex, opencode).
const SESSION_HEADERS = ['x-claude-code-session-id', 'session-id', 'x-session-id'] as const;
const TURN_METADATA = 'x-codex-turn-metadata';
// Codex's turn metadata is a few hundred bytes; anything far larger is not it.
const TURN_METADATA_CHARS = 4_096;
// Real ids are UUIDs or `ses_` + 26 characters; anything else odd or long is not kept.
const SESSION_ID = /^[\w.:@+-]{1,128}$/;

/** The agent's own session id, where the head carries one; undefined otherwise. */
export function sessionOf(headers: IncomingHttpHeaders): string | undefined {
  for (const name of SESSION_HEADERS) {
    const value = single(headers[name]);
    if (value !== undefined && SESSION_ID.test(value)) return value;
  }
  const metadata = single(headers[TURN_METADATA]);
  return metadata === undefined ? undefined : sessionInMetadata(metadata);
}

function sessionInMetadata(text: string): string | undefined {
  if (text.length > TURN_METADATA_CHARS) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const id: unknown = (parsed as Readonly<Record<string, unknown>>)['session_id'];
  return typeof id === 'string' && SESSION_ID.test(id) ? id : undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// A user agent is the client's text: control characters would break a menu line or a log.
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
}
