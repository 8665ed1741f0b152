import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ICO_SIZES, ICON_STATES, iconFiles } from '../../build/icons.js';

const TRAY = new URL('../../icons/tray/', import.meta.url);

// PNG: 8-byte signature, then the IHDR chunk whose data starts with width and height.
function pngSize(bytes: Buffer): { width: number; height: number } {
  assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a');
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('every tray icon the build lists exists as a PNG of its size', async () => {
  const files = iconFiles();
  assert.equal(files.length, ICON_STATES.length * 6);
  for (const { name, size } of files) {
    const bytes = await readFile(new URL(name, TRAY));
    assert.deepEqual(pngSize(bytes), { width: size, height: size }, name);
  }
});

test('each state has a Windows .ico holding every size the tray may ask for', async () => {
  for (const state of ICON_STATES) {
    const ico = await readFile(new URL(`${state}.ico`, TRAY));
    assert.equal(ico.readUInt16LE(2), 1, 'type 1 = icon');
    const count = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) sizes.push(ico.readUInt8(6 + i * 16) || 256);
    assert.deepEqual(
      sizes.sort((a, b) => a - b),
      [...ICO_SIZES],
    );
  }
});

test('states differ: a running icon is not the stopped one, and error adds a badge', async () => {
  const running = await readFile(new URL('running-32.png', TRAY));
  const stopped = await readFile(new URL('stopped-32.png', TRAY));
  const error = await readFile(new URL('error-32.png', TRAY));
  assert.notDeepEqual(running, stopped);
  assert.notDeepEqual(stopped, error);
});
