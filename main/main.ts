// The Electron entry: the one file that imports electron and electron-store as values. It builds
// Electron's pieces and hands them to the plain modules (controller, supervisor, tray view,
// window), so everything with logic runs and is tested under plain Node.

import { app, BrowserWindow, clipboard, Menu, shell, Tray, utilityProcess } from 'electron';
import Store from 'electron-store';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { autostartFor, isLoginLaunch } from './autostart.js';
import { createController } from './controller.js';
import { isWorkerGone, toElectronLauncher } from './launcher-electron.js';
import { settingsOptions, type Settings } from './settings.js';
import { createSupervisor } from './supervisor.js';
import { createTrayView, trayIconFile } from './tray.js';
import { createDashboardWindow } from './window.js';

const iconPath = (file: string): string =>
  fileURLToPath(new URL(`../icons/tray/${file}`, import.meta.url));

function launch(): void {
  // Tray-only: no Dock icon on macOS (the packaged app also sets LSUIElement).
  app.dock?.hide();
  const settings = new Store<Settings>(settingsOptions(process.platform));
  const autostart = autostartFor({
    platform: process.platform,
    env: process.env,
    homeDir: homedir(),
    execPath: process.execPath,
    app,
  });
  const supervisor = createSupervisor({ launcher: toElectronLauncher(utilityProcess) });
  app.on('child-process-gone', (_event, details) => {
    if (isWorkerGone(details)) supervisor.childGone(details);
  });

  const dashboard = createDashboardWindow(
    { create: (options) => new BrowserWindow(options) },
    {
      page: fileURLToPath(new URL('../renderer/index.html', import.meta.url)),
      preload: fileURLToPath(new URL('./preload.cjs', import.meta.url)),
    },
    () => settings.get('windowBounds'),
    (bounds) => {
      settings.set('windowBounds', bounds);
    },
  );

  const tray = new Tray(iconPath(trayIconFile(process.platform, 'stopped')));
  let quitting = false;
  const controller = createController({
    supervisor,
    settings,
    autostart,
    places: { homeDir: homedir(), env: process.env },
    platform: process.platform,
    render: (state) => {
      view.render(state);
    },
    writeClipboard: (text) => clipboard.writeText(text),
    openPath: (path) => shell.openPath(path),
    openDashboard: () => {
      dashboard.open();
    },
    exit: () => {
      quitting = true;
      view.close();
      tray.destroy();
      app.exit(0);
    },
    log: (message) => {
      process.stderr.write(`${message}\n`);
    },
  });
  const view = createTrayView({
    tray,
    buildMenu: (template) => Menu.buildFromTemplate(template),
    icon: (state) => iconPath(trayIconFile(process.platform, state)),
    actions: controller.actions,
  });
  // Linux's AppIndicator sends no clicks: there the menu's Start/Stop is the toggle.
  tray.on('click', () => {
    controller.toggle();
  });

  app.on('second-instance', () => {
    dashboard.open();
  });
  // Closing the dashboard must not end a tray app.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    controller.actions.quit();
  });

  // Started at login: tray only. Started by the user: show the dashboard, so the launch is seen.
  const fromLogin = isLoginLaunch(process.argv, { platform: process.platform, app });
  void controller.launch(settings.get('startProxyOnLaunch')).then(() => {
    if (!fromLogin) dashboard.open();
  });
}

if (!app.requestSingleInstanceLock()) {
  // A second launch: the first instance opens its dashboard ('second-instance').
  app.quit();
} else {
  void app.whenReady().then(launch);
}
