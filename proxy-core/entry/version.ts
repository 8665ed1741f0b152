// memex's version, as package.json names it: the CLI's --version, and what the OTLP push says
// it is. Both bundles sit in dist/bin/, two levels under package.json.

import { readFileSync } from 'node:fs';

export function readVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const parsed = JSON.parse(text) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : 'unknown';
}
