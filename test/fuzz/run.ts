// `npm run fuzz`: byte-level fuzzing of a spawned memex-proxy (issue 6). Valid requests are
// mutated (bytes flipped, inserted, deleted, headers duplicated, writes split at random points)
// and sent over raw sockets, with bounded concurrency, to a proxy in front of faulty upstreams
// (healthy, resetting, stalling, garbage-sending, SSE-then-reset, and a WebSocket upstream that
// answers 101, echoes what it gets and adds Responses events and malformed frames of its own),
// all on 127.0.0.1.
//
//   node dist/test/fuzz/run.js [--seconds 120] [--seed 1] [--concurrency 32]
//
// Exits 1 when the proxy exits other than 0 after SIGTERM, prints an internal error or
// unhandled rejection, or keeps more file descriptors open than at the start.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const CLI = fileURLToPath(new URL('../../bin/memex-proxy.cjs', import.meta.url));
// A request that got nothing back within this long is cut by the fuzzer (counted as 'timeout').
const REQUEST_GUARD_MS = 3_000;
// After the first response bytes, how long the fuzzer keeps reading before it hangs up.
const READ_ON_MS = 50;
// How long the proxy may take to exit after SIGTERM before the fuzzer kills it.
const EXIT_GUARD_MS = 15_000;

/** mulberry32: a small seeded PRNG, so a run can be replayed with the same --seed. */
function createRandom(seed: number): (limit: number) => number {
  let state = seed >>> 0;
  return (limit) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return Math.floor((((x ^ (x >>> 14)) >>> 0) / 4294967296) * limit);
  };
}

interface Upstreams {
  readonly urls: Record<string, string>;
  readonly okPort: number;
  close(): void;
}

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

async function startUpstreams(): Promise<Upstreams> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  };
  const ok = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.end('{"ok":true}');
    });
  });
  const sse = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: one\n\n');
    setTimeout(() => req.socket.destroy(), 20).unref();
  });
  const stall = createServer((req) => {
    req.resume();
  });
  const reset = createNetServer((socket) => {
    socket.once('data', () => socket.resetAndDestroy());
  });
  const garbage = createNetServer((socket) => {
    socket.once('data', () => socket.end('\u0000\u00ffNOT HTTP\r\n\r\n', 'latin1'));
  });
  const ws = createNetServer(answerWebSocket);
  const servers = [ok, sse, stall, reset, garbage, ws];
  for (const server of servers) server.on('connection', track);
  const ports = await Promise.all(servers.map(listen));
  const [okPort = 0, ssePort, stallPort, resetPort, garbagePort, wsPort] = ports;
  return {
    urls: {
      ok: `http://127.0.0.1:${okPort}`,
      sse: `http://127.0.0.1:${ssePort ?? 0}`,
      stall: `http://127.0.0.1:${stallPort ?? 0}`,
      reset: `http://127.0.0.1:${resetPort ?? 0}`,
      garbage: `http://127.0.0.1:${garbagePort ?? 0}`,
      ws: `http://127.0.0.1:${wsPort ?? 0}`,
    },
    okPort,
    close() {
      for (const socket of sockets) socket.destroy();
      for (const server of servers) server.close();
    },
  };
}

// One unmasked (server) frame; `first` is the FIN/RSV/opcode byte.
function frame(first: number, payload: string): Buffer {
  const body = Buffer.from(payload, 'latin1');
  return Buffer.concat([Buffer.from([first, Math.min(body.length, 125)]), body.subarray(0, 125)]);
}

const WS_SWITCHING =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
const WS_FRAMES = Buffer.concat([
  frame(0x81, '{"type":"response.created","response":{"model":"m"}}'),
  frame(0x01, '{"type":"response.comp'),
  frame(0x89, 'ping'),
  frame(0x80, 'leted","response":{"usage":{"input_tokens":1}}}'),
  frame(0xc1, 'compressed without deflate'),
  frame(0x83, 'reserved opcode'),
  frame(0x81, '{"type":"response.completed","response":{"usage":"x"}}'),
]);

// Answers any head with a 101, then echoes what the client sends and adds frames of its own.
function answerWebSocket(socket: Socket): void {
  let answered = false;
  socket.on('data', (chunk: Buffer) => {
    if (!answered) {
      answered = true;
      socket.write(WS_SWITCHING);
      socket.write(WS_FRAMES);
      setTimeout(() => socket.end(frame(0x88, '\u0003\u00e8bye')), 30).unref();
      return;
    }
    if (socket.writable) socket.write(chunk);
  });
}

/** Valid requests the mutations start from; `$P` is the proxy port, `$U` the ok upstream's. */
const SEEDS: readonly string[] = [
  'POST /$R/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nContent-Type: application/json\r\nX-Api-Key: sk-test\r\nContent-Length: 13\r\n\r\n{"model":"x"}',
  'POST /$R/v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
  'GET /$R/v1/models HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nConnection: keep-alive\r\n\r\nGET /$R/v1/models HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nConnection: close\r\n\r\n',
  'GET http://127.0.0.1:$U/v1/models HTTP/1.1\r\nHost: 127.0.0.1:$U\r\n\r\n',
  'POST http://127.0.0.1:$U/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:$U\r\nContent-Length: 2\r\n\r\n{}',
  'GET /_memex/stats HTTP/1.1\r\nHost: 127.0.0.1:$P\r\n\r\n',
  'CONNECT 127.0.0.1:$U HTTP/1.1\r\nHost: 127.0.0.1:$U\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /$R/v1/messages HTTP/1.0\r\nHost: 127.0.0.1:$P\r\n\r\n',
  // WebSocket handshakes with a masked text frame after them (the bytes a client sends next).
  'GET /ws/v1/responses HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n\u0081\u0084\u0001\u0002\u0003\u0004zqqp',
  'GET /ws/v1/realtime?model=x HTTP/1.1\r\nHost: 127.0.0.1:$P\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  'GET http://127.0.0.1:$W/v1/responses HTTP/1.1\r\nHost: 127.0.0.1:$W\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
];
const ROUTES = ['ok', 'ok', 'ok', 'sse', 'stall', 'reset', 'garbage'] as const;
const SPICE = [0x00, 0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x2c, 0x7f, 0xff, 0x30, 0x66];

function mutate(input: Buffer, random: (limit: number) => number): Buffer {
  let bytes = input;
  const rounds = random(4);
  for (let i = 0; i < rounds; i++) {
    const at = random(bytes.length + 1);
    const pick = random(6);
    const byte = random(2) === 0 ? (SPICE[random(SPICE.length)] ?? 0) : random(256);
    if (pick === 0 && at < bytes.length) {
      bytes = Buffer.from(bytes);
      bytes[at] = (bytes[at] ?? 0) ^ (1 << random(8));
    } else if (pick === 1) {
      bytes = Buffer.concat([bytes.subarray(0, at), Buffer.of(byte), bytes.subarray(at)]);
    } else if (pick === 2 && at < bytes.length) {
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + random(4))]);
    } else if (pick === 3) {
      bytes = duplicateHeader(bytes, random);
    } else if (pick === 4) {
      bytes = bytes.subarray(0, at);
    } else {
      bytes = Buffer.concat([
        bytes.subarray(0, at),
        Buffer.from(' x-fuzz: 1\r\n'),
        bytes.subarray(at),
      ]);
    }
  }
  return bytes;
}

function duplicateHeader(bytes: Buffer, random: (limit: number) => number): Buffer {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return bytes;
  const lines = text.slice(0, end).split('\r\n');
  if (lines.length < 2) return bytes;
  const index = 1 + random(lines.length - 1);
  lines.splice(index, 0, lines[index] ?? '');
  return Buffer.from(lines.join('\r\n') + text.slice(end), 'latin1');
}

/** Splits `bytes` into 1–4 writes at random points. */
function split(bytes: Buffer, random: (limit: number) => number): Buffer[] {
  const parts: Buffer[] = [];
  let rest = bytes;
  for (let n = random(4); n > 0 && rest.length > 1; n--) {
    const at = 1 + random(rest.length - 1);
    parts.push(rest.subarray(0, at));
    rest = rest.subarray(at);
  }
  parts.push(rest);
  return parts;
}

type Outcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'no response' | 'timeout';

function sendOne(port: number, parts: readonly Buffer[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let head = '';
    let settled = false;
    const finish = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      socket.destroy();
      resolve(outcome);
    };
    const guard = setTimeout(() => {
      finish(head === '' ? 'timeout' : classify(head));
    }, REQUEST_GUARD_MS);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (head !== '') return;
      head = chunk.toString('latin1', 0, 16);
      // Keep-alive connections would stay open: read on briefly (pipelined answers, streams),
      // then hang up, which also exercises client aborts mid-response.
      setTimeout(() => {
        finish(classify(head));
      }, READ_ON_MS);
    });
    socket.once('close', () => {
      finish(head === '' ? 'no response' : classify(head));
    });
    socket.once('connect', () => {
      let index = 0;
      const writeNext = (): void => {
        const part = parts[index++];
        if (part === undefined || socket.destroyed) return;
        socket.write(part);
        setImmediate(writeNext);
      };
      writeNext();
    });
  });
}

function classify(head: string): Outcome {
  const digit = /^HTTP\/1\.[01] ([1-5])\d\d/.exec(head)?.[1];
  return digit === undefined ? 'no response' : (`${digit}xx` as Outcome);
}

async function fdCount(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '120' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '32' },
      // Fuzz only the seed request at this index (to narrow down a failure).
      template: { type: 'string' },
    },
  });
  const seconds = Number(values.seconds);
  const seed = Number(values.seed);
  const concurrency = Number(values.concurrency);
  const only = values.template === undefined ? undefined : Number(values.template);
  const random = createRandom(seed);
  const upstreams = await startUpstreams();
  const dir = await mkdtemp(join(tmpdir(), 'memex-fuzz-'));
  const configFile = join(dir, 'memex.yaml');
  await writeFile(
    configFile,
    'upstreams:\n' +
      Object.entries(upstreams.urls)
        .map(([name, url]) => `  ${name}: ${url}\n`)
        .join('') +
      'timeouts:\n  response_header_ms: 500\n  stream_idle_ms: 1000\n',
  );

  const child = spawn(
    process.execPath,
    [CLI, '--host', '127.0.0.1', '--port', '0', '--config', configFile],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = child.pid ?? 0;
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  const port = await new Promise<number>((resolve, reject) => {
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      stdout += text;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match !== null) resolve(Number(match[1]));
    });
    child.once('exit', () => {
      reject(new Error(`memex-proxy exited before listening:\n${stdout}${stderr}`));
    });
  });
  const fdsAtStart = await fdCount(pid);

  const outcomes: Record<Outcome, number> = {
    '1xx': 0,
    '2xx': 0,
    '3xx': 0,
    '4xx': 0,
    '5xx': 0,
    'no response': 0,
    timeout: 0,
  };
  let sent = 0;
  const deadline = performance.now() + seconds * 1000;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline && child.exitCode === null) {
      const template = SEEDS[only ?? random(SEEDS.length)] ?? '';
      const valid = template
        .replaceAll('$R', ROUTES[random(ROUTES.length)] ?? 'ok')
        .replaceAll('$P', String(port))
        .replaceAll('$U', String(upstreams.okPort))
        .replaceAll('$W', new URL(upstreams.urls['ws'] ?? 'http://127.0.0.1:0').port);
      const bytes =
        random(8) === 0
          ? Buffer.from(valid, 'latin1')
          : mutate(Buffer.from(valid, 'latin1'), random);
      sent++;
      outcomes[await sendOne(port, split(bytes, random))]++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));

  // Pooled upstream sockets close after 4 s idle; give descriptors up to 10 s to settle.
  let fdsAtEnd = await fdCount(pid);
  for (let i = 0; i < 100 && fdsAtEnd > fdsAtStart; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    fdsAtEnd = await fdCount(pid);
  }
  const aliveAtEnd = child.exitCode === null && child.signalCode === null;
  if (aliveAtEnd) process.kill(pid, 'SIGTERM');
  // SIGTERM drains for at most 10 s; a proxy still running after 15 s is a failure, not a hang.
  const killer = setTimeout(() => {
    process.kill(pid, 'SIGKILL');
  }, EXIT_GUARD_MS);
  const [exitCode, signal] = await exited;
  clearTimeout(killer);
  upstreams.close();
  await rm(dir, { recursive: true, force: true });

  const problems = stderr
    .split('\n')
    .filter((line) => /unhandled|internal error|uncaught/i.test(line));
  const summary = {
    seed,
    seconds,
    concurrency,
    requestsSent: sent,
    responses: outcomes,
    proxyAliveAtEnd: aliveAtEnd,
    proxyExit: { code: exitCode, signal },
    unhandledOrInternalErrors: problems.length,
    fds: { start: fdsAtStart, end: fdsAtEnd },
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (problems.length > 0) process.stdout.write(`${problems.slice(0, 20).join('\n')}\n`);
  const ok = aliveAtEnd && exitCode === 0 && problems.length === 0 && fdsAtEnd <= fdsAtStart;
  process.stdout.write(ok ? 'fuzz: OK\n' : 'fuzz: FAILED\n');
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `fuzz: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
