// `memex-proxy hash-password`: a password from stdin — typed twice without echo on a terminal,
// or the first line of a pipe — and its scrypt hash on stdout, for auth.users in a config file.

import { hashPassword } from '../http/password.js';

// A line longer than this is no password someone typed or pasted: refuse it instead of reading
// on without end.
const MAX_CHARS = 1024;

/** Reads the password, prints its hash; resolves with the exit code. */
export async function runHashPassword(
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
  messages: NodeJS.WriteStream,
): Promise<number> {
  let password: string | null;
  if (input.isTTY) {
    const first = await readHidden(input, messages, 'Password: ');
    const again =
      first === null || first === '' ? first : await readHidden(input, messages, 'Again: ');
    if (first !== null && again !== first) {
      messages.write('memex-proxy: the two passwords differ; nothing printed\n');
      return 1;
    }
    password = first;
  } else {
    password = await readLine(input);
  }
  input.destroy();
  if (password === null) {
    messages.write(`memex-proxy: no password read (a line of at most ${MAX_CHARS} characters)\n`);
    return 1;
  }
  if (password === '') {
    messages.write('memex-proxy: the password is empty; nothing printed\n');
    return 1;
  }
  output.write(`${await hashPassword(password)}\n`);
  return 0;
}

// The first line of a pipe (without its CR LF); null when it is too long or there is none.
function readLine(input: NodeJS.ReadStream): Promise<string | null> {
  return new Promise((resolve) => {
    let text = '';
    const done = (line: string | null): void => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      resolve(line);
    };
    const onData = (chunk: string): void => {
      text += chunk;
      const newline = text.indexOf('\n');
      if (newline !== -1) done(text.slice(0, newline).replace(/\r$/, ''));
      else if (text.length > MAX_CHARS) done(null);
    };
    const onEnd = (): void => {
      done(text === '' || text.length > MAX_CHARS ? null : text.replace(/\r$/, ''));
    };
    input.setEncoding('utf8');
    input.on('data', onData);
    input.once('end', onEnd);
  });
}

// One line typed on a terminal in raw mode, so nothing is echoed; Ctrl-C or Ctrl-D gives null.
function readHidden(
  input: NodeJS.ReadStream,
  messages: NodeJS.WriteStream,
  prompt: string,
): Promise<string | null> {
  // Raw before the prompt: whatever is typed once the prompt shows is not echoed.
  input.setRawMode(true);
  input.setEncoding('utf8');
  messages.write(prompt);
  return new Promise((resolve) => {
    // Code points, so a backspace takes back the whole last character typed.
    const typed: string[] = [];
    const done = (line: string | null): void => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      messages.write('\n');
      resolve(line);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') {
          done(typed.join(''));
          return;
        }
        if (char === '\u0003' || char === '\u0004' || typed.length >= MAX_CHARS) {
          done(null);
          return;
        }
        if (char === '\u007f' || char === '\b') typed.pop();
        else if (char >= ' ') typed.push(char);
      }
    };
    input.on('data', onData);
    input.resume();
  });
}
