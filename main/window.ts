// The dashboard window, with Electron's secure defaults made explicit: context isolation,
// sandbox, no Node in the renderer, only the app's own file loaded, navigation and new windows
// refused. One window at a time; closing it leaves the app running in the tray.

import type { BrowserWindow, BrowserWindowConstructorOptions, Rectangle } from 'electron';

/** The window's options: what a security review reads first. */
export function dashboardWindowOptions(
  preload: string,
  bounds: Rectangle | null,
): BrowserWindowConstructorOptions {
  return {
    width: bounds?.width ?? 960,
    height: bounds?.height ?? 720,
    ...(bounds === null ? {} : { x: bounds.x, y: bounds.y }),
    minWidth: 640,
    minHeight: 480,
    title: 'memex',
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  };
}

/** What the window needs of Electron. */
export interface WindowHost {
  create(options: BrowserWindowConstructorOptions): BrowserWindow;
}

export interface DashboardWindow {
  /** Shows the window, creating it if needed. */
  open(): void;
  /** The window, while it exists (for IPC sender checks). */
  current(): BrowserWindow | undefined;
}

/**
 * Manages the one dashboard window. `page` is the renderer's index.html; `onBounds` remembers
 * where the user left it.
 */
export function createDashboardWindow(
  host: WindowHost,
  files: { readonly page: string; readonly preload: string },
  bounds: () => Rectangle | null,
  onBounds: (bounds: Rectangle) => void,
): DashboardWindow {
  let window: BrowserWindow | undefined;
  return {
    open() {
      if (window !== undefined) {
        if (window.isMinimized()) window.restore();
        window.show();
        window.focus();
        return;
      }
      const created = host.create(dashboardWindowOptions(files.preload, bounds()));
      window = created;
      const contents = created.webContents;
      // Only the app's own page: no navigation away, no pop-ups (links open nowhere).
      contents.on('will-navigate', (event) => {
        event.preventDefault();
      });
      contents.setWindowOpenHandler(() => ({ action: 'deny' }));
      created.once('ready-to-show', () => {
        created.show();
      });
      created.on('close', () => {
        onBounds(created.getBounds());
      });
      created.on('closed', () => {
        window = undefined;
      });
      void created.loadFile(files.page);
    },
    current() {
      return window;
    },
  };
}
