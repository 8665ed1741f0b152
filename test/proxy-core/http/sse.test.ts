import assert from 'node:assert/strict';
import { once } from '../../helpers/events.js';
import { request, type IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { startProxy, startUpstream } from '../../helpers/servers.js';

test('the client receives SSE chunk 1 while the upstream still holds chunk 2', async (t) => {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('event: message_start\ndata: {"n":1}\n\n');
    void released.then(() => res.end('event: message_stop\ndata: {"n":2}\n\n'));
  });
  const { url } = await startProxy(t, { upstreams: { anthropic: upstream.url } });

  const req = request(`${url}/anthropic/v1/messages`, { method: 'POST', agent: false });
  req.end('{}');
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'text/event-stream');
  assert.equal(res.headers['cache-control'], 'no-cache');
  const [first] = (await once(res, 'data')) as [Buffer];
  assert.equal(first.toString(), 'event: message_start\ndata: {"n":1}\n\n');
  release();
  const rest: Buffer[] = [];
  res.on('data', (chunk: Buffer) => rest.push(chunk));
  await once(res, 'end');
  assert.equal(Buffer.concat(rest).toString(), 'event: message_stop\ndata: {"n":2}\n\n');
});
