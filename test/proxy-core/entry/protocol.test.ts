import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isWorkerMessageProblem,
  parseWorkerMessage,
  WORKER_ERROR_CODES,
  type WorkerErrorCode,
} from '../../../proxy-core/entry/protocol.js';
import { ListenError, type ListenErrorCode } from '../../../proxy-core/errors.js';
import { fullSnapshot } from '../../helpers/snapshots.js';

test('every kind of worker message parses to itself', () => {
  const messages = [
    { type: 'listening', host: '127.0.0.1', port: 8080 },
    { type: 'listening', host: '0.0.0.0', port: 8443, secure: true },
    { type: 'stats', snapshot: fullSnapshot() },
    { type: 'error', code: 'PORT_IN_USE', message: 'port 8080 is in use', fatal: true },
    { type: 'error', code: 'CONFIG_INVALID', message: 'reload rejected', fatal: false },
    { type: 'stopped' },
  ];
  for (const message of messages) {
    // Through JSON, as child_process.fork carries it.
    assert.deepEqual(parseWorkerMessage(JSON.parse(JSON.stringify(message))), message);
  }
});

test('a message that is not a worker message is a problem naming what was wrong', () => {
  const cases: [unknown, string][] = [
    [null, 'not a message (object)'],
    ['listening', 'not a message (string)'],
    [{ port: 1 }, 'not a message (no type)'],
    [{ type: 'listen' }, 'unknown message (type "listen")'],
    [{ type: 'listening', host: '127.0.0.1' }, 'listening without a host and port'],
    [{ type: 'listening', host: '127.0.0.1', port: '80' }, 'listening without a host and port'],
    [
      { type: 'listening', host: '127.0.0.1', port: 80, secure: 'yes' },
      'listening with a bad secure',
    ],
    [{ type: 'stats' }, 'stats with a malformed snapshot'],
    [{ type: 'stats', snapshot: { requests: {} } }, 'stats with a malformed snapshot'],
    [
      { type: 'error', code: 'PORT_IN_USE', message: 'in use' },
      'error without a code, message and fatal flag',
    ],
    [
      { type: 'error', code: 7, message: 'in use', fatal: true },
      'error without a code, message and fatal flag',
    ],
  ];
  for (const [value, reason] of cases) {
    const parsed = parseWorkerMessage(value);
    assert.equal(isWorkerMessageProblem(parsed), true, JSON.stringify(value));
    assert.deepEqual(parsed, { reason }, JSON.stringify(value));
  }
});

test('an error code outside the union arrives as WORKER_ERROR, message and fatal kept', () => {
  assert.deepEqual(
    parseWorkerMessage({ type: 'error', code: 'EMFILE', message: 'EMFILE: too many', fatal: true }),
    { type: 'error', code: 'WORKER_ERROR', message: 'EMFILE: too many', fatal: true },
  );
});

test('every ListenError code crosses to main as itself', () => {
  const errnos: Record<ListenErrorCode, string> = {
    PORT_IN_USE: 'EADDRINUSE',
    ADDRESS_UNAVAILABLE: 'EADDRNOTAVAIL',
    PERMISSION_DENIED: 'EACCES',
    LISTEN_FAILED: 'EINVAL',
  };
  for (const [expected, errno] of Object.entries(errnos)) {
    const err = new ListenError('127.0.0.1', 80, Object.assign(new Error(errno), { code: errno }));
    // Compiles only while every ListenErrorCode is a WorkerErrorCode.
    const code: WorkerErrorCode = err.code;
    assert.equal(code, expected);
    assert.deepEqual(
      parseWorkerMessage({ type: 'error', code, message: err.message, fatal: true }),
      { type: 'error', code: expected, message: err.message, fatal: true },
    );
  }
  assert.deepEqual(
    WORKER_ERROR_CODES.filter((code) => code in errnos),
    Object.keys(errnos),
  );
});
