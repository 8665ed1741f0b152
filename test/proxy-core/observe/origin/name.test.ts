// The name a process goes by (issue 16): its executable, or the script its interpreter runs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  isInterpreter,
  lastSegment,
  parseCommand,
  splitWindowsCommandLine,
} from '../../../../proxy-core/observe/origin/name.js';

test('programs are their executable, interpreters their script', () => {
  const cases: [string, string[], string, string | null][] = [
    ['/usr/local/bin/codex', ['codex', 'exec'], 'codex', null],
    ['C:\\Tools\\codex.exe', ['codex.exe'], 'codex', null],
    ['curl', [], 'curl', null],
    // Claude Code installed by npm: its bin is a script run by node through its shebang.
    [
      '/usr/bin/node',
      ['node', '/usr/local/bin/claude', '--continue'],
      'claude',
      '/usr/local/bin/claude',
    ],
    ['/usr/bin/node', ['node', './agent.mjs'], 'agent', './agent.mjs'],
    [
      '/usr/bin/node',
      ['/usr/bin/node', '--enable-source-maps', 'dist/main.js'],
      'main',
      'dist/main.js',
    ],
    ['/usr/bin/node', ['node', '-r', 'ts-node/register', 'bot.ts'], 'bot', 'bot.ts'],
    ['/usr/bin/node', ['node', '--import', 'tsx', '--', 'task.ts', '-x'], 'task', 'task.ts'],
    ['/usr/bin/node', ['node', '-e', 'require("net").connect(8080)', 'app.js'], 'node', null],
    ['/usr/bin/node', ['node'], 'node', null],
    ['/usr/bin/node', ['node', '-'], 'node', null],
    ['/usr/bin/node', [], 'node', null],
    // process.title = 'claude' rewrites the command line; the executable is still node.
    ['/usr/bin/node', ['claude'], 'claude', null],
    [
      '/usr/bin/node',
      ['node', '/usr/lib/node_modules/@google/gemini-cli/dist/index.js'],
      'gemini-cli',
      '/usr/lib/node_modules/@google/gemini-cli/dist/index.js',
    ],
    [
      'C:\\Program Files\\nodejs\\node.exe',
      [
        'C:\\Program Files\\nodejs\\node.exe',
        'C:\\npm\\node_modules\\@anthropic-ai\\claude-code\\cli.js',
      ],
      'claude-code',
      'C:\\npm\\node_modules\\@anthropic-ai\\claude-code\\cli.js',
    ],
    [
      '/usr/bin/node',
      ['node', '/srv/node_modules/opencode/index.js'],
      'opencode',
      '/srv/node_modules/opencode/index.js',
    ],
    ['/home/ada/app/index.js', [], 'index.js', null],
    [
      '/usr/bin/python3.12',
      ['python3', '/home/ada/.local/bin/aider', '--model', 'x'],
      'aider',
      '/home/ada/.local/bin/aider',
    ],
    ['/usr/bin/python3', ['python3', '-m', 'aider'], 'aider', null],
    ['/usr/bin/python3', ['python3', '-c', 'print(1)'], 'python3', null],
    ['/usr/bin/python3', ['python3', '-X', 'utf8', 'run_agent.py'], 'run_agent', 'run_agent.py'],
    ['/home/ada/.bun/bin/bun', ['bun', 'run', 'agent.ts'], 'agent', 'agent.ts'],
    ['/usr/bin/deno', ['deno', 'run', '-A', 'serve.ts'], 'serve', 'serve.ts'],
    ['nodejs', ['nodejs', 'tool.cjs'], 'tool', 'tool.cjs'],
  ];
  for (const [executable, args, name, script] of cases) {
    assert.deepEqual(
      parseCommand(executable, args),
      { name, script },
      `${executable} ${args.join(' ')}`,
    );
  }
});

test('interpreters are recognised whatever their path, version or .exe', () => {
  for (const name of [
    'node',
    'NODE.EXE',
    '/usr/bin/nodejs',
    'bun',
    'deno',
    'python',
    'python3.12',
    'pypy3',
    'ruby',
    'perl',
  ]) {
    assert.equal(isInterpreter(name), true, name);
  }
  for (const name of ['claude', 'codex', 'node-gyp', 'pythonista', 'MainThread']) {
    assert.equal(isInterpreter(name), false, name);
  }
});

test('Windows command lines split at blanks outside double quotes', () => {
  assert.deepEqual(
    splitWindowsCommandLine('"C:\\Program Files\\nodejs\\node.exe" C:\\npm\\cli.js  --continue'),
    ['C:\\Program Files\\nodejs\\node.exe', 'C:\\npm\\cli.js', '--continue'],
  );
  assert.deepEqual(splitWindowsCommandLine('codex.exe exec "fix, then test" ""'), [
    'codex.exe',
    'exec',
    'fix, then test',
    '',
  ]);
  assert.deepEqual(splitWindowsCommandLine('   '), []);
});

test('the last path segment, with either separator', () => {
  assert.equal(lastSegment('C:\\a\\b.exe'), 'b.exe');
  assert.equal(lastSegment('/usr/bin/node'), 'node');
  assert.equal(lastSegment('node'), 'node');
});
