import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { BrowserWindow, BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { createDashboardWindow, dashboardWindowOptions } from '../../main/window.js';

test('the window runs the renderer isolated, sandboxed and without Node', () => {
  const options = dashboardWindowOptions('/app/preload.cjs', null);
  assert.deepEqual(options.webPreferences, {
    preload: '/app/preload.cjs',
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    spellcheck: false,
  });
  assert.equal(options.show, false);
});

test('the window reopens where the user left it', () => {
  const bounds: Rectangle = { x: -100, y: 40, width: 800, height: 600 };
  const options = dashboardWindowOptions('/p', bounds);
  assert.deepEqual([options.x, options.y, options.width, options.height], [-100, 40, 800, 600]);
});

// A stand-in for the part of BrowserWindow the manager touches, recording what it is asked.
class FakeWindow extends EventEmitter {
  readonly webContents = Object.assign(new EventEmitter(), {
    openHandler: undefined as (() => { action: string }) | undefined,
    setWindowOpenHandler(handler: () => { action: string }) {
      this.openHandler = handler;
    },
  });
  readonly loaded: string[] = [];
  shown = 0;
  readonly options: BrowserWindowConstructorOptions;
  constructor(options: BrowserWindowConstructorOptions) {
    super();
    this.options = options;
  }
  loadFile(path: string): Promise<void> {
    this.loaded.push(path);
    return Promise.resolve();
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {
    return;
  }
  show(): void {
    this.shown++;
  }
  focus(): void {
    return;
  }
  getBounds(): Rectangle {
    return { x: 1, y: 2, width: 3, height: 4 };
  }
}

function manager(): {
  windows: FakeWindow[];
  saved: Rectangle[];
  open: () => void;
  current: () => unknown;
} {
  const windows: FakeWindow[] = [];
  const saved: Rectangle[] = [];
  const dashboard = createDashboardWindow(
    {
      create: (options) => {
        const window = new FakeWindow(options);
        windows.push(window);
        // The manager uses only the members FakeWindow has.
        return window as unknown as BrowserWindow;
      },
    },
    { page: '/app/renderer/index.html', preload: '/app/preload.cjs' },
    () => null,
    (bounds) => {
      saved.push(bounds);
    },
  );
  return {
    windows,
    saved,
    open: () => {
      dashboard.open();
    },
    current: () => dashboard.current(),
  };
}

test('one window: opening again shows the same one, and it loads only our page', () => {
  const { windows, open } = manager();
  open();
  open();
  assert.equal(windows.length, 1);
  const window = windows[0];
  assert.ok(window !== undefined);
  assert.deepEqual(window.loaded, ['/app/renderer/index.html']);
  window.emit('ready-to-show');
  assert.equal(window.shown, 2);
});

test('navigation away and new windows are refused', () => {
  const { windows, open } = manager();
  open();
  const window = windows[0];
  assert.ok(window !== undefined);
  let prevented = false;
  window.webContents.emit(
    'will-navigate',
    { preventDefault: () => (prevented = true) },
    'https://evil.example/',
  );
  assert.equal(prevented, true);
  assert.deepEqual(window.webContents.openHandler?.(), { action: 'deny' });
});

test('closing remembers the bounds and the next open makes a new window', () => {
  const { windows, saved, open, current } = manager();
  open();
  windows[0]?.emit('close');
  windows[0]?.emit('closed');
  assert.deepEqual(saved, [{ x: 1, y: 2, width: 3, height: 4 }]);
  assert.equal(current(), undefined);
  open();
  assert.equal(windows.length, 2);
});
