// The name a process goes by in the views. Most programs are their executable (`codex`,
// `curl`), but an agent run by an interpreter is its script: Claude Code installed by npm runs
// as `node /usr/local/bin/claude …`, and "node" would name every JavaScript agent alike.

export interface Command {
  /** `claude`, `codex`, `node`. */
  readonly name: string;
  /** The script file an interpreter runs, as its command line names it; null otherwise. */
  readonly script: string | null;
}

const INTERPRETER = /^(node|nodejs|bun|deno|python[\d.]*|pythonw|pypy[\d.]*|ruby|perl)$/;

/** Flags after which an interpreter runs code from its command line, not a script. */
const EVAL_FLAGS: ReadonlySet<string> = new Set(['-e', '--eval', '-p', '--print', '-c']);

/** Flags whose value is the next argument, which is therefore not the script. */
const VALUE_FLAGS: ReadonlySet<string> = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--env-file',
  '--title',
  '-W',
  '-X',
]);

const SCRIPT_EXTENSION = /\.(js|mjs|cjs|ts|mts|cts|py|pyw|rb|pl)$/i;

/** Entry files too generic to name a program; the npm package they belong to names it. */
const GENERIC_ENTRIES: ReadonlySet<string> = new Set(['cli', 'index', 'main']);

/**
 * Names the process `executable` (a path or a bare name, `.exe` allowed) running with `args`
 * (its whole command line, `args[0]` included). For an interpreter the name is its script's
 * base name without extension (`node ./agent.mjs` → `agent`; an npm package's generic
 * `cli.js`/`index.js` → the package, `@google/gemini-cli/dist/index.js` → `gemini-cli`), the
 * module of `python -m`, or the new name of a process that renamed itself (`process.title`
 * rewrites `args` to `claude`). With code from `-e`/`-c`, or none, it is the interpreter.
 */
export function parseCommand(executable: string, args: readonly string[]): Command {
  const name = toProgramName(executable);
  if (!isInterpreter(name)) return { name, script: null };
  const shown = toProgramName(args[0] ?? '');
  if (shown !== '' && !isInterpreter(shown)) return { name: shown, script: null };
  let index = 1;
  if (/^(bun|deno)$/.test(name.toLowerCase()) && args[index] === 'run') index++;
  for (; index < args.length; index++) {
    const arg = args[index] ?? '';
    if (arg === '--') {
      index++;
      break;
    }
    if (EVAL_FLAGS.has(arg)) return { name, script: null };
    if (arg === '-m') {
      const module = args[index + 1];
      return module === undefined ? { name, script: null } : { name: module, script: null };
    }
    if (VALUE_FLAGS.has(arg)) index++;
    else if (!arg.startsWith('-')) break;
  }
  const script = args[index];
  if (script === undefined || script === '-') return { name, script: null };
  return { name: toScriptName(script), script };
}

/** Whether `executable` (a path or a name) is an interpreter whose script names the process. */
export function isInterpreter(executable: string): boolean {
  return INTERPRETER.test(toProgramName(executable).toLowerCase());
}

/**
 * Splits a Windows command line into arguments: whitespace separates them except inside
 * double quotes. The backslash rules of CommandLineToArgvW matter only for quotes inside an
 * argument, which executable and script paths do not have.
 */
export function splitWindowsCommandLine(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (const char of line) {
    if (char === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && (char === ' ' || char === '\t')) {
      if (started) args.push(current);
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) args.push(current);
  return args;
}

/** The last segment of a path written with either separator. */
export function lastSegment(path: string): string {
  const segments = path.split(/[\\/]/);
  return segments[segments.length - 1] ?? path;
}

function toProgramName(path: string): string {
  return lastSegment(path).replace(/\.exe$/i, '');
}

function toScriptName(script: string): string {
  const base = lastSegment(script).replace(SCRIPT_EXTENSION, '');
  if (!GENERIC_ENTRIES.has(base)) return base;
  const segments = script.split(/[\\/]/);
  const modules = segments.lastIndexOf('node_modules');
  const scopeOrPackage = modules === -1 ? undefined : segments[modules + 1];
  const pkg = scopeOrPackage?.startsWith('@') === true ? segments[modules + 2] : scopeOrPackage;
  return pkg === undefined || pkg === '' ? base : pkg;
}
