// Reading config text: YAML through `yaml`, TOML through `smol-toml`, into one Config. Pure: text
// in, Config or ConfigError out, with every error placed at FILE:LINE:COLUMN.

import { isMap, isPair, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.js';
import { DEFAULT_CONFIG, type Config, type ConfigFormat } from './config.js';
import { toConfig } from './validate.js';

/** Parses config text in `format`; `file` is only used to name the file in errors. */
export function parseConfig(
  text: string,
  format: ConfigFormat,
  file: string,
  base: Config = DEFAULT_CONFIG,
): Config {
  return format === 'yaml' ? parseYaml(text, file, base) : parseTomlConfig(text, file, base);
}

function parseYaml(text: string, file: string, base: Config): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) {
    const position = lineCounter.linePos(first.pos[0]);
    throw new ConfigError('CONFIG_SYNTAX', file, [
      {
        keyPath: '',
        message: `YAML syntax error: ${first.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')}`,
        line: position.line,
        column: position.col,
      },
    ]);
  }
  const locate = (path: readonly string[]): { line: number; column: number } | undefined => {
    let node: unknown = doc.contents;
    let offset: number | undefined;
    for (const key of path) {
      if (!isMap(node)) break;
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key,
      );
      if (pair === undefined) break;
      offset = (pair.key as Node).range?.[0];
      node = pair.value;
    }
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return toConfig(doc.toJS(), file, locate, base);
}

function parseTomlConfig(text: string, file: string, base: Config): Config {
  let value: unknown;
  try {
    value = parseToml(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const message = err.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? '';
    throw new ConfigError(
      'CONFIG_SYNTAX',
      file,
      [
        {
          keyPath: '',
          message: `TOML syntax error: ${message}`,
          line: err.line,
          column: err.column,
        },
      ],
      { cause: err },
    );
  }
  return toConfig(value, file, (path) => locateTomlKey(text, path), base);
}

/**
 * Finds the line of a key path in TOML text: a `[table]` header followed by `key =`, or a dotted
 * `table.key =`. smol-toml gives no positions for values, so this scans the lines.
 */
export function locateTomlKey(
  text: string,
  path: readonly string[],
): { line: number; column: number } | undefined {
  const lines = text.split(/\r?\n/);
  let table: string[] = [];
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    const trimmed = raw.trim();
    const header = /^\[([^\]]+)\]/.exec(trimmed);
    if (header?.[1] !== undefined) {
      table = header[1].split('.').map(unquote);
      if (samePath(table, path)) return { line: index + 1, column: raw.indexOf('[') + 1 };
      continue;
    }
    const assignment = /^([A-Za-z0-9_."'-]+(?:\s*\.\s*[A-Za-z0-9_"'-]+)*)\s*=/.exec(trimmed);
    if (assignment?.[1] === undefined) continue;
    const full = [...table, ...assignment[1].split('.').map(unquote)];
    if (
      samePath(full, path) ||
      (full.length > path.length && samePath(full.slice(0, path.length), path))
    ) {
      return { line: index + 1, column: raw.length - raw.trimStart().length + 1 };
    }
  }
  return undefined;
}

function unquote(part: string): string {
  return part.trim().replace(/^["']|["']$/g, '');
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}
