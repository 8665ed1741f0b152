import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_CONFIG, type Config } from '../../../proxy-core/config/config.js';
import { applyConfig, planReload } from '../../../proxy-core/entry/reload.js';
import { ListenError } from '../../../proxy-core/errors.js';
import { send } from '../../helpers/client.js';
import { startProxy, startUpstream } from '../../helpers/servers.js';

const BASE: Config = { ...DEFAULT_CONFIG, port: 0 };

test('planReload: nothing, an in-place update, or a new listener', () => {
  const rows: readonly (readonly [Partial<Config>, 'none' | 'update' | 'relisten'])[] = [
    [{}, 'none'],
    [{ upstreams: { ...BASE.upstreams, x: 'http://127.0.0.1:1' } }, 'update'],
    [{ connect_ports: [443] }, 'update'],
    [{ timeouts: { ...BASE.timeouts, connect_ms: 1 } }, 'update'],
    [{ port: 1234 }, 'relisten'],
    [{ host: '127.0.0.2' }, 'relisten'],
  ];
  for (const [change, expected] of rows) {
    assert.equal(planReload(BASE, { ...BASE, ...change }), expected, JSON.stringify(change));
  }
});

test('planReload: configs that differ only in key order are the same config', () => {
  const upstreams = { anthropic: 'https://a.example', openai: 'https://o.example' };
  const reordered = { openai: 'https://o.example', anthropic: 'https://a.example' };
  const timeouts = Object.fromEntries(
    Object.entries(BASE.timeouts).reverse(),
  ) as Config['timeouts'];
  assert.equal(planReload({ ...BASE, upstreams }, { ...BASE, upstreams: reordered }), 'none');
  assert.equal(planReload(BASE, { ...BASE, timeouts }), 'none');
  assert.equal(
    planReload(
      { ...BASE, upstreams },
      { ...BASE, upstreams: { ...reordered, openai: 'https://x' } },
    ),
    'update',
  );
});

test('an update that would expose the listener without credentials is refused, nothing changed', async (t) => {
  const a = await startUpstream(t, (_req, res) => res.end('a'));
  const b = await startUpstream(t, (_req, res) => res.end('b'));
  const first: Config = {
    ...BASE,
    host: '0.0.0.0',
    upstreams: { anthropic: a.url },
    auth: { username: 'lan', password: 'pw' },
  };
  const { proxy } = await startProxy(t, first);
  const url = `http://127.0.0.1:${proxy.address().port}`;
  const credentials = {
    'proxy-authorization': `Basic ${Buffer.from('lan:pw').toString('base64')}`,
  };

  await assert.rejects(proxy.update({ ...first, upstreams: { anthropic: b.url }, auth: null }), {
    name: 'ConfigError',
    message: /^refusing to listen on 0\.0\.0\.0/,
  });

  const res = await send(`${url}/anthropic/x`, { headers: credentials });
  assert.equal(res.body.toString(), 'a');
  assert.equal((await send(`${url}/anthropic/x`)).status, 407);
});

test('an update applies to the next request on the same listener', async (t) => {
  const a = await startUpstream(t, (_req, res) => res.end('a'));
  const b = await startUpstream(t, (_req, res) => res.end('b'));
  const first: Config = { ...BASE, host: '127.0.0.1', upstreams: { anthropic: a.url } };
  const { proxy, url } = await startProxy(t, first);
  assert.equal((await send(`${url}/anthropic/x`)).body.toString(), 'a');
  const next = await applyConfig(proxy, first, { ...first, upstreams: { anthropic: b.url } });
  assert.equal(next, proxy);
  assert.equal((await send(`${url}/anthropic/x`)).body.toString(), 'b');
});

test('a new address gets a new listener that keeps the stats', async (t) => {
  const a = await startUpstream(t, (_req, res) => res.end('a'));
  const first: Config = { ...BASE, host: '127.0.0.1', upstreams: { anthropic: a.url } };
  const { proxy, url } = await startProxy(t, first);
  await send(`${url}/anthropic/v1/messages`);
  const moved = await applyConfig(proxy, first, { ...first, host: '127.0.0.2' });
  t.after(() => moved.close(0));
  assert.notEqual(moved, proxy);
  assert.equal(moved.address().host, '127.0.0.2');
  const res = await send(`http://127.0.0.2:${moved.address().port}/anthropic/v1/messages`);
  assert.equal(res.body.toString(), 'a');
  assert.equal(moved.stats.snapshot().requests.anthropic, 2);
});

test('an address that cannot be listened on rejects and the old listener keeps serving', async (t) => {
  const a = await startUpstream(t, (_req, res) => res.end('a'));
  const first: Config = { ...BASE, host: '127.0.0.1', upstreams: { anthropic: a.url } };
  const { proxy, url, port } = await startProxy(t, first);
  await assert.rejects(
    applyConfig(proxy, first, { ...first, host: '127.0.0.1', port: a.port }),
    (err: unknown) => {
      assert.ok(err instanceof ListenError);
      assert.equal(err.code, 'PORT_IN_USE');
      return true;
    },
  );
  assert.equal(proxy.address().port, port);
  assert.equal((await send(`${url}/anthropic/x`)).body.toString(), 'a');
});
