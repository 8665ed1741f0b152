// The request detail's reading of captured bodies (renderer/messages.ts): each API's prompt and
// reply, whole or streamed, and nothing from a body it cannot read.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CapturedEvent } from '../../shared/history.js';
import type { SchemaId } from '../../shared/schemas.js';
import { readPrompt, readReply, type Turn } from '../../renderer/messages.js';

const json = (value: unknown): string => JSON.stringify(value);

test('reads each API’s prompt, system text first', () => {
  const cases: [SchemaId, unknown, Turn[]][] = [
    [
      'anthropic',
      {
        system: 'Be brief.',
        messages: [
          { role: 'user', content: 'Hi' },
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Hello.' },
              { type: 'tool_use', id: 't1', name: 'ls', input: {} },
            ],
          },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'a b' }] },
        ],
      },
      [
        { role: 'system', text: 'Be brief.' },
        { role: 'user', text: 'Hi' },
        { role: 'assistant', text: 'Hello.' },
      ],
    ],
    [
      'openai',
      {
        messages: [
          { role: 'system', content: 'You help.' },
          { role: 'user', content: [{ type: 'text', text: 'One' }, { type: 'image_url' }] },
        ],
      },
      [
        { role: 'system', text: 'You help.' },
        { role: 'user', text: 'One' },
      ],
    ],
    [
      'openai-responses',
      { instructions: 'Terse.', input: 'What is 2+2?' },
      [
        { role: 'system', text: 'Terse.' },
        { role: 'user', text: 'What is 2+2?' },
      ],
    ],
    [
      'openai-responses',
      { input: [{ role: 'user', content: [{ type: 'input_text', text: 'List files' }] }] },
      [{ role: 'user', text: 'List files' }],
    ],
    [
      'gemini',
      {
        systemInstruction: { parts: [{ text: 'Be kind.' }] },
        contents: [
          { role: 'user', parts: [{ text: 'A file:' }, { inlineData: {} }, { text: 'Why?' }] },
        ],
      },
      [
        { role: 'system', text: 'Be kind.' },
        { role: 'user', text: 'A file:\nWhy?' },
      ],
    ],
    ['ollama', { model: 'llama3', prompt: 'Why?' }, [{ role: 'user', text: 'Why?' }]],
    ['ollama', { messages: [{ role: 'user', content: 'Hey' }] }, [{ role: 'user', text: 'Hey' }]],
    ['unknown', { messages: [{ role: 'user', content: 'Hey' }] }, []],
  ];
  for (const [schema, body, turns] of cases) {
    assert.deepEqual(readPrompt(schema, json(body)), turns, `${schema} ${json(body)}`);
  }
});

test('a body that is not JSON, or not a request, has no prompt', () => {
  assert.deepEqual(readPrompt('anthropic', null), []);
  assert.deepEqual(readPrompt('anthropic', '{"messages": [trunc'), []);
  assert.deepEqual(readPrompt('openai', '[1, 2]'), []);
  assert.deepEqual(readPrompt('openai', json({ messages: 'nope' })), []);
});

test('reads each API’s reply from a whole response', () => {
  const cases: [SchemaId, string, string | null][] = [
    [
      'anthropic',
      json({ type: 'message', content: [{ type: 'text', text: 'Hi there' }] }),
      'Hi there',
    ],
    ['openai', json({ choices: [{ message: { role: 'assistant', content: 'Sure.' } }] }), 'Sure.'],
    [
      'openai-responses',
      json({
        object: 'response',
        output: [
          { type: 'reasoning', summary: [] },
          { type: 'message', content: [{ type: 'output_text', text: 'Four.' }] },
        ],
      }),
      'Four.',
    ],
    [
      'gemini',
      json([
        { candidates: [{ content: { parts: [{ text: 'Str' }] } }] },
        { candidates: [{ content: { parts: [{ text: 'eamed' }] } }] },
      ]),
      'Streamed',
    ],
    [
      'ollama',
      [
        json({ message: { content: 'Li' }, done: false }),
        json({ message: { content: 'nes' }, done: true }),
      ].join('\n'),
      'Lines',
    ],
    ['ollama', json({ response: 'Because.' }), 'Because.'],
    ['anthropic', json({ type: 'error', error: { message: 'overloaded' } }), null],
    ['anthropic', 'upstream said <html>', null],
    ['unknown', json({ choices: [{ message: { content: 'x' } }] }), null],
  ];
  for (const [schema, body, reply] of cases) {
    assert.equal(readReply(schema, body, null), reply, `${schema} ${body}`);
  }
});

test('reads a streamed reply from its events, whatever the body kept', () => {
  const events = (data: readonly unknown[], names: readonly string[] = []): CapturedEvent[] =>
    data.map((each, i) => ({
      event: names[i] ?? '',
      data: typeof each === 'string' ? each : json(each),
    }));
  const cases: [SchemaId, CapturedEvent[], string | null][] = [
    [
      'anthropic',
      events(
        [
          { type: 'message_start', message: { content: [] } },
          { type: 'content_block_delta', delta: { type: 'text_delta', text: 'Hel' } },
          { type: 'content_block_delta', delta: { type: 'input_json_delta', partial_json: '{' } },
          { type: 'content_block_delta', delta: { type: 'text_delta', text: 'lo' } },
        ],
        ['message_start', 'content_block_delta', 'content_block_delta', 'content_block_delta'],
      ),
      'Hello',
    ],
    [
      'openai',
      events([
        { choices: [{ delta: { role: 'assistant' } }] },
        { choices: [{ delta: { content: 'O' } }] },
        { choices: [{ delta: { content: 'k' } }] },
        '[DONE]',
      ]),
      'Ok',
    ],
    [
      'openai-responses',
      events([
        { type: 'response.output_text.delta', delta: 'Fo' },
        { type: 'response.output_text.delta', delta: 'ur' },
        { type: 'response.completed', response: { object: 'response', output: [] } },
      ]),
      'Four',
    ],
    [
      'gemini',
      events([
        { candidates: [{ content: { parts: [{ text: 'A' }] } }] },
        { candidates: [{ content: { parts: [{ text: 'B' }] } }] },
      ]),
      'AB',
    ],
    ['anthropic', events(['not json']), null],
  ];
  for (const [schema, streamed, reply] of cases) {
    assert.equal(readReply(schema, 'event: ignored\n\n', streamed), reply, schema);
  }
});
