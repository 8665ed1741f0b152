// The Electron entry: the one file that imports electron and electron-store as values. It builds
// Electron's pieces and hands them to the plain modules (controller, supervisor, tray view,
// window), so everything with logic runs and is tested under plain Node.

import {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  ipcMain,
  Menu,
  Notification,
  shell,
  Tray,
  utilityProcess,
} from 'electron';
import Store from 'electron-store';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { autostartFor, isLoginLaunch } from './autostart.js';
import { createController } from './controller.js';
import { CHANNELS, type DashboardState } from '../shared/bridge.js';
import { registerDashboardIpc } from './ipc.js';
import { createHistoryService } from './history-service.js';
import { isWorkerGone, toElectronLauncher } from './launcher-electron.js';
import { settingsOptions, type Settings } from './settings.js';
import { createSupervisor } from './supervisor.js';
import { createTrayView, trayIconFile } from './tray.js';
import { createThrottle } from './throttle.js';
import { createUsageStore, USAGE_FILE } from './usage-store.js';
import { createDashboardWindow } from './window.js';

// How often at most the dashboard receives a new state.
const DASHBOARD_INTERVAL_MS = 250;

const iconPath = (file: string): string =>
  fileURLToPath(new URL(`../icons/tray/${file}`, import.meta.url));

function launch(): void {
  // Tray-only: no Dock icon on macOS (the packaged app also sets LSUIElement).
  app.dock?.hide();
  const settings = new Store<Settings>(settingsOptions(process.platform));
  // Unpackaged (`electron .`), an autostart entry would launch the bare Electron binary.
  const autostart = !app.isPackaged
    ? null
    : autostartFor({
        platform: process.platform,
        env: process.env,
        homeDir: homedir(),
        execPath: process.execPath,
        app,
      });
  const log = (message: string): void => {
    process.stderr.write(`${message}\n`);
  };
  const usage = createUsageStore({ file: join(app.getPath('userData'), USAGE_FILE), log });
  const supervisor = createSupervisor({
    launcher: toElectronLauncher(utilityProcess),
    usage: () => usage.snapshot(),
    log,
  });
  app.on('child-process-gone', (_event, details) => {
    if (isWorkerGone(details)) supervisor.childGone(details);
  });

  const page = new URL('../renderer/index.html', import.meta.url);
  const dashboard = createDashboardWindow(
    { create: (options) => new BrowserWindow(options) },
    {
      page: fileURLToPath(page),
      preload: fileURLToPath(new URL('./preload.cjs', import.meta.url)),
    },
    () => settings.get('windowBounds'),
    (bounds) => {
      settings.set('windowBounds', bounds);
    },
  );

  const history = createHistoryService({
    version: app.getVersion(),
    call: (call) => supervisor.history(call),
    chooseFile: async (format) => {
      const window = dashboard.current();
      const options = { defaultPath: `memex-history.${format}` };
      const chosen = await (window === undefined
        ? dialog.showSaveDialog(options)
        : dialog.showSaveDialog(window, options));
      return chosen.canceled ? null : chosen.filePath;
    },
  });
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
      feed.push(undefined);
    },
    writeClipboard: (text) => clipboard.writeText(text),
    notify: (notice) => {
      if (Notification.isSupported()) new Notification(notice).show();
    },
    openPath: (path) => shell.openPath(path),
    openDashboard: () => {
      dashboard.open();
    },
    exit: () => {
      quitting = true;
      view.close();
      feed.cancel();
      tray.destroy();
      app.exit(0);
    },
    log,
    usage,
    historyFile: join(app.getPath('userData'), 'history.db'),
  });
  const view = createTrayView({
    tray,
    buildMenu: (template) => Menu.buildFromTemplate(template),
    icon: (state) => iconPath(trayIconFile(process.platform, state)),
    actions: controller.actions,
  });
  // The window gets whole states, a few a second at most, and only while it exists.
  const feed = createThrottle<undefined>(DASHBOARD_INTERVAL_MS, () => {
    const contents = dashboard.current()?.webContents;
    if (contents === undefined) return false;
    const state: DashboardState = controller.dashboardState();
    contents.send(CHANNELS.state, state);
    return true;
  });
  registerDashboardIpc(
    ipcMain,
    { contents: () => dashboard.current()?.webContents, pageUrl: page.href },
    {
      state: () => controller.dashboardState(),
      start: () => {
        controller.actions.start();
      },
      stop: () => {
        controller.actions.stop();
      },
      copyEnv: (shellId, mode) => {
        controller.actions.copyEnv(shellId, mode);
      },
      copyAgentSetup: (agent, shellId) => {
        controller.actions.copyAgentSetup(agent, shellId);
      },
      openConfig: () => {
        controller.actions.openConfig();
      },
      setSetting: (setting) => {
        controller.setSetting(setting);
      },
      queryHistory: (filter) => history.query(filter),
      historyTotals: (filter) => history.totals(filter),
      historyDetail: (id) => history.detail(id),
      exportHistory: (filter, format) => history.export(filter, format),
      clearHistory: () => history.clear(),
    },
  );

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
