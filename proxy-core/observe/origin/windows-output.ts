// What Windows' tools print about connections and processes, parsed: the CSV of memex's
// PowerShell query (Get-NetTCPConnection joined with Win32_Process), and the fallbacks
// `netstat -ano` and `tasklist /FO CSV /NH`.

import { parseEndpoint, toConnectionKey } from './address.js';

/** A connection's client end and the process holding it. */
export interface WindowsOwner {
  readonly key: string;
  readonly pid: number;
  /** Win32_Process's Name (`node.exe`), ExecutablePath and CommandLine; null when not read. */
  readonly name: string | null;
  readonly path: string | null;
  readonly commandLine: string | null;
}

/**
 * The rows of `ConvertTo-Csv -NoTypeInformation` over LocalAddress, LocalPort, RemoteAddress,
 * RemotePort, OwningProcess, Name, ExecutablePath and CommandLine, matched by header name
 * (Windows PowerShell 5.1 quotes every value, 7 leaves nulls empty; both are read).
 */
export function parseConnectionCsv(text: string): WindowsOwner[] {
  const [header, ...records] = parseCsv(text);
  if (header === undefined) return [];
  const column = (record: readonly string[], name: string): string | null => {
    const value = record[header.indexOf(name)];
    return value === undefined || value === '' ? null : value;
  };
  const owners: WindowsOwner[] = [];
  for (const record of records) {
    const pid = toPid(column(record, 'OwningProcess'));
    const key = toConnectionKey(
      column(record, 'LocalAddress') ?? '',
      Number(column(record, 'LocalPort')),
      column(record, 'RemoteAddress') ?? '',
      Number(column(record, 'RemotePort')),
    );
    if (pid === null || key === null) continue;
    owners.push({
      key,
      pid,
      name: column(record, 'Name'),
      path: column(record, 'ExecutablePath'),
      commandLine: column(record, 'CommandLine'),
    });
  }
  return owners;
}

/**
 * The TCP rows of `netstat -ano`: protocol, local, foreign, state, PID last. The state is not
 * read (Windows translates it: `HERGESTELLT` is ESTABLISHED in German), nor the header.
 */
export function parseNetstat(text: string): WindowsOwner[] {
  const owners: WindowsOwner[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    const [protocol, local, foreign] = fields;
    if (protocol !== 'TCP' || local === undefined || foreign === undefined) continue;
    if (fields.length < 5) continue;
    const pid = toPid(fields[fields.length - 1] ?? null);
    const client = parseEndpoint(local);
    const proxy = parseEndpoint(foreign);
    if (pid === null || client === null || proxy === null) continue;
    const key = toConnectionKey(client.address, client.port, proxy.address, proxy.port);
    if (key !== null) owners.push({ key, pid, name: null, path: null, commandLine: null });
  }
  return owners;
}

/**
 * The image name of `tasklist /FI "PID eq N" /FO CSV /NH`'s row for `pid` (`"node.exe","1234",
 * "Console","1","45,676 K"`); null when there is none (it prints an INFO line instead).
 */
export function parseTasklist(text: string, pid: number): string | null {
  for (const record of parseCsv(text)) {
    const [name, pidText] = record;
    if (name !== undefined && name !== '' && toPid(pidText ?? null) === pid) return name;
  }
  return null;
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (quoted) {
      if (char !== '"') field += char;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (char === '"') {
      quoted = true;
      started = true;
    } else if (char === ',') {
      record.push(field);
      field = '';
      started = true;
    } else if (char === '\n' || char === '\r') {
      if (started || field !== '') records.push([...record, field]);
      record = [];
      field = '';
      started = false;
    } else {
      field += char;
      started = true;
    }
  }
  if (started || field !== '') records.push([...record, field]);
  return records;
}

function toPid(text: string | null): number | null {
  if (text === null || !/^\d+$/.test(text)) return null;
  const pid = Number(text);
  return pid > 0 ? pid : null;
}
