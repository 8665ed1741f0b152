// The tray's "Copy env vars" text: the lines that point a terminal at memex (proxy variables or
// SDK base URLs) and the lines that take it off again, for bash/zsh, fish, PowerShell and cmd.

import { bareHost } from './address.js';

/** Shells the menu offers, in menu order, with their labels. */
export const SHELLS = [
  { id: 'bash', label: 'bash / zsh' },
  { id: 'fish', label: 'fish' },
  { id: 'powershell', label: 'PowerShell' },
  { id: 'cmd', label: 'cmd' },
] as const;

export type Shell = (typeof SHELLS)[number]['id'];

/** What the copied text does, in menu order, with their labels. */
export const ENV_MODES = [
  { id: 'proxy', label: 'Proxy (HTTP_PROXY…)' },
  { id: 'base-url', label: 'Base URLs (ANTHROPIC_BASE_URL…)' },
  { id: 'unset', label: 'Unset' },
] as const;

export type EnvMode = (typeof ENV_MODES)[number]['id'];

/** The address the proxy listens on, as `Proxy.address()` reports it (IPv6 without brackets). */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  /** The proxy serves TLS (config tls): reached at `https://`. */
  readonly secure?: boolean;
}

/**
 * The shell the menu preselects on `platform` (a `process.platform` value, as a plain string so
 * the renderer needs no Node types): PowerShell on Windows, bash/zsh everywhere else.
 */
export function defaultShell(platform: string): Shell {
  return platform === 'win32' ? 'powershell' : 'bash';
}

// A client cannot connect to an unspecified address portably (Windows refuses 0.0.0.0), so a
// proxy listening on every interface is reached through the loopback of the same family.
const UNSPECIFIED: ReadonlyMap<string, string> = new Map([
  ['0.0.0.0', '127.0.0.1'],
  ['::', '::1'],
  ['0:0:0:0:0:0:0:0', '::1'],
]);

/**
 * The origin a client on this machine uses to reach the proxy, e.g. `http://127.0.0.1:8080` or
 * `http://[::1]:8080`: IPv6 in brackets (RFC 3986 §3.2.2), unspecified hosts made loopback.
 */
export function toClientOrigin(address: ListenAddress): string {
  const bare = bareHost(address.host);
  const host = UNSPECIFIED.get(bare) ?? bare;
  const scheme = address.secure === true ? 'https' : 'http';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/**
 * The text to paste into `shell`: 'proxy' sets HTTP(S)_PROXY/ALL_PROXY, adds loopback to
 * NO_PROXY and sets NODE_USE_ENV_PROXY=1; 'base-url' sets ANTHROPIC_BASE_URL and
 * OPENAI_BASE_URL to memex's reverse routes; 'unset' removes all of them and gives NO_PROXY back
 * the value it had before 'proxy'. Lines are joined by '\n', with no trailing newline.
 */
export function envSnippet(shell: Shell, mode: EnvMode, address: ListenAddress): string {
  const syntax = SYNTAX[shell];
  const origin = toClientOrigin(address);
  const proxyNames = syntax.caseSensitive
    ? [...PROXY_NAMES, ...PROXY_NAMES.map((name) => name.toLowerCase())]
    : PROXY_NAMES;
  const noProxyNames = syntax.caseSensitive ? ['NO_PROXY', 'no_proxy'] : ['NO_PROXY'];
  const savedNames = noProxyNames.map((name) => SAVED_PREFIX + name);
  switch (mode) {
    case 'proxy':
      return [
        ...proxyNames.map((name) => syntax.set(name, origin)),
        ...noProxyNames.map((name) => syntax.addNoProxy(name, SAVED_PREFIX + name)),
        syntax.set(NODE_SWITCH, '1'),
      ].join('\n');
    case 'base-url':
      return [
        syntax.set('ANTHROPIC_BASE_URL', `${origin}/anthropic`),
        syntax.set('OPENAI_BASE_URL', `${origin}/openai/v1`),
      ].join('\n');
    case 'unset':
      return [
        syntax.unset([...proxyNames, NODE_SWITCH, ...BASE_URL_NAMES]),
        ...noProxyNames.map((name) => syntax.restoreNoProxy(name, SAVED_PREFIX + name)),
        syntax.unset(savedNames),
      ].join('\n');
  }
}

/** The line that sets `name` to `value` in `shell` (quoted as that shell reads it). */
export function setVariable(shell: Shell, name: string, value: string): string {
  return SYNTAX[shell].set(name, value);
}

const PROXY_NAMES = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY'];
// Node's built-in fetch and http ignore the proxy variables unless this is 1.
const NODE_SWITCH = 'NODE_USE_ENV_PROXY';
// 'unset' also takes back what Connect an agent sets (shared/agent-setup.ts): Gemini CLI's base URL.
const BASE_URL_NAMES = ['ANTHROPIC_BASE_URL', 'OPENAI_BASE_URL', 'GOOGLE_GEMINI_BASE_URL'];
const NO_PROXY_HOSTS = 'localhost,127.0.0.1,::1';

// NO_PROXY is the one variable 'proxy' changes rather than sets, so 'unset' restores it instead
// of deleting a corporate exception list. 'proxy' saves the old value in MEMEX_SAVED_<NAME> (an
// exported variable, so a subshell can undo too), or '-' when there was none: cmd and Windows
// PowerShell cannot store an empty variable, and '-' is never a meaningful NO_PROXY. While a
// saved value exists, 'proxy' leaves NO_PROXY alone, so pasting it twice adds loopback once.
// 'unset' without a saved value (memex's 'proxy' text never ran here) leaves NO_PROXY as it is.
// Each case merges only its own old value: with just NO_PROXY set, no_proxy becomes loopback
// alone, and curl (which reads no_proxy) sends NO_PROXY's hosts to memex, which forwards them.
const SAVED_PREFIX = 'MEMEX_SAVED_';

// How one shell writes each kind of line. No comment lines: zsh treats `#` at an interactive
// prompt as a command unless `interactivecomments` is on.
interface Syntax {
  /** Whether HTTP_PROXY and http_proxy are different variables (curl reads only the latter). */
  readonly caseSensitive: boolean;
  set(name: string, value: string): string;
  unset(names: readonly string[]): string;
  /** Saves `name` in `saved` and prepends NO_PROXY_HOSTS, unless `saved` is already set. */
  addNoProxy(name: string, saved: string): string;
  /** Gives `name` back its saved value ('-': deletes it); does nothing if nothing was saved. */
  restoreNoProxy(name: string, saved: string): string;
}

const SYNTAX: Readonly<Record<Shell, Syntax>> = {
  // POSIX sh, so the same text runs in bash, zsh and dash.
  bash: {
    caseSensitive: true,
    set: (name, value) => `export ${name}=${shQuote(value)}`,
    unset: (names) => `unset ${names.join(' ')}`,
    addNoProxy: (name, saved) =>
      `if [ -z "$${saved}" ]; then export ${saved}="\${${name}:--}"; ` +
      `export ${name}="${NO_PROXY_HOSTS}\${${name}:+,$${name}}"; fi`,
    restoreNoProxy: (name, saved) =>
      `case "$${saved}" in -) unset ${name} ;; ?*) export ${name}="$${saved}" ;; esac`,
  },
  fish: {
    caseSensitive: true,
    set: (name, value) => `set -gx ${name} ${fishQuote(value)}`,
    unset: (names) => `set -e ${names.join(' ')}`,
    addNoProxy: (name, saved) =>
      `if test -z "$${saved}"; if test -n "$${name}"; set -gx ${saved} "$${name}"; ` +
      `set -gx ${name} "${NO_PROXY_HOSTS},$${name}"; else; set -gx ${saved} -; ` +
      `set -gx ${name} '${NO_PROXY_HOSTS}'; end; end`,
    restoreNoProxy: (name, saved) =>
      `if test "$${saved}" = -; set -e ${name}; ` +
      `else if test -n "$${saved}"; set -gx ${name} "$${saved}"; end`,
  },
  // Windows environment names ignore case, so HTTP_PROXY also serves curl's http_proxy.
  powershell: {
    caseSensitive: false,
    set: (name, value) => `$env:${name} = ${powershellQuote(value)}`,
    unset: (names) =>
      `Remove-Item -ErrorAction Ignore ${names.map((name) => `Env:${name}`).join(', ')}`,
    addNoProxy: (name, saved) =>
      `if (-not $env:${saved}) { if ($env:${name}) { $env:${saved} = $env:${name}; ` +
      `$env:${name} = '${NO_PROXY_HOSTS},' + $env:${name} } else { $env:${saved} = '-'; ` +
      `$env:${name} = '${NO_PROXY_HOSTS}' } }`,
    restoreNoProxy: (name, saved) =>
      `if ($env:${saved} -eq '-') { Remove-Item -ErrorAction Ignore Env:${name} } ` +
      `elseif ($env:${saved}) { $env:${name} = $env:${saved} }`,
  },
  // At the cmd prompt an undefined %NAME% stays literal text (in a .bat it becomes empty), so
  // every expansion sits behind `if defined`. A line is expanded once, before it runs, so both
  // %NAME% on the addNoProxy line read the old value. Inside `set "NAME=value"` nothing needs
  // escaping (a URL built from a listen address holds no `"` or `%`); `set "NAME="` deletes.
  cmd: {
    caseSensitive: false,
    set: (name, value) => `set "${name}=${value}"`,
    unset: (names) => names.map((name) => `set "${name}="`).join('\n'),
    addNoProxy: (name, saved) =>
      `if not defined ${saved} if defined ${name} ` +
      `(set "${saved}=%${name}%" & set "${name}=${NO_PROXY_HOSTS},%${name}%") ` +
      `else (set "${saved}=-" & set "${name}=${NO_PROXY_HOSTS}")`,
    restoreNoProxy: (name, saved) =>
      `if defined ${saved} if "%${saved}%"=="-" (set "${name}=") ` +
      `else (set "${name}=%${saved}%")`,
  },
};

// Single quotes: nothing inside is expanded; a quote is closed, escaped and reopened.
function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

// In fish single quotes only \ and ' are special, each escaped with a backslash.
function fishQuote(value: string): string {
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}

// PowerShell also closes single-quoted strings on the typographic quotes; each is doubled.
function powershellQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, '$&$&')}'`;
}
