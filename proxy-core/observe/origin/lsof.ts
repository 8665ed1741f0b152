// lsof's field output (`-F`, its man page's OUTPUT FOR OTHER PROGRAMS), parsed: one line per
// field, its first character naming it. A process set starts at `p<pid>` (and has `c<command>`),
// each of its file sets at `f<fd>` (lsof 4.88 to 4.93.2, macOS's among them, always print `f`;
// later ones only when asked) and holds `n<name>`: an endpoint pair `a:p->b:p` for a TCP socket,
// the path for a cwd.

import { parseEndpoint, toConnectionKey } from './address.js';

export interface LsofFile {
  readonly pid: number;
  /** The command name lsof read from the process (macOS: up to 16 characters of it). */
  readonly command: string | null;
  /** The file's name: a path, or `local->remote` for a connected socket. */
  readonly name: string;
}

/** Every file set of the output, each with its process; lines of other fields are skipped. */
export function parseLsof(text: string): LsofFile[] {
  const files: LsofFile[] = [];
  let pid: number | null = null;
  let command: string | null = null;
  for (const line of text.split('\n')) {
    const field = line[0];
    const value = line.slice(1).replace(/\r$/, '');
    if (field === 'p') {
      pid = /^\d+$/.test(value) ? Number(value) : null;
      command = null;
    } else if (field === 'c') {
      command = value;
    } else if (field === 'n' && pid !== null) {
      files.push({ pid, command, name: value });
    }
  }
  return files;
}

/**
 * The connection key of a socket's `local->remote` name, read as a client's end (local is the
 * client, remote is memex); null for any other name. A state suffix (` (ESTABLISHED)`, in
 * lsof's table output) is ignored.
 */
export function toSocketKey(name: string): string | null {
  const [local, remote] = name.replace(/ \(.*\)$/, '').split('->');
  if (local === undefined || remote === undefined) return null;
  const client = parseEndpoint(local);
  const proxy = parseEndpoint(remote);
  if (client === null || proxy === null) return null;
  return toConnectionKey(client.address, client.port, proxy.address, proxy.port);
}
