// App settings: start at login, start the proxy on launch, limit notifications, the default
// shell, and the config file (its path, an Open button, and its error with file and line).
// Controls show main's state; a change goes to main, whose next state confirms it.

import type { DashboardSetting, DashboardState, MemexBridge } from '../shared/bridge.js';
import { SHELLS } from '../shared/env.js';
import { byId, fillOptions, runAction, setHidden, setText } from './dom.js';
import { describeConfigProblem, describeWhere } from './format.js';

export interface SettingsView {
  render(state: DashboardState): void;
}

export function createSettingsView(
  bridge: MemexBridge,
  notify: (text: string) => void,
): SettingsView {
  const autostart = byId('setting-autostart', HTMLInputElement);
  const launch = byId('setting-launch', HTMLInputElement);
  const notices = byId('setting-notifications', HTMLInputElement);
  const shell = byId('setting-shell', HTMLSelectElement);
  const path = byId('config-path', HTMLElement);
  const open = byId('config-open', HTMLButtonElement);
  const problem = byId('config-problem', HTMLElement);
  fillOptions(shell, SHELLS);

  const save = (control: HTMLElement, setting: DashboardSetting): void => {
    runAction(
      control,
      () => bridge.setSetting(setting),
      (reason) => {
        notify(`Could not save the setting: ${reason}`);
      },
    );
  };
  autostart.addEventListener('change', () => {
    save(autostart, { key: 'autostart', value: autostart.checked });
  });
  launch.addEventListener('change', () => {
    save(launch, { key: 'startProxyOnLaunch', value: launch.checked });
  });
  notices.addEventListener('change', () => {
    save(notices, { key: 'limitNotifications', value: notices.checked });
  });
  shell.addEventListener('change', () => {
    const chosen = SHELLS.find((entry) => entry.id === shell.value);
    if (chosen !== undefined) save(shell, { key: 'defaultShell', value: chosen.id });
  });
  open.addEventListener('click', () => {
    runAction(
      open,
      () => bridge.openConfig(),
      (reason) => {
        notify(`Could not open the config file: ${reason}`);
      },
    );
  });

  return {
    render(state) {
      const { settings } = state;
      if (autostart.checked !== settings.autostart) autostart.checked = settings.autostart;
      if (launch.checked !== settings.startProxyOnLaunch) {
        launch.checked = settings.startProxyOnLaunch;
      }
      if (notices.checked !== settings.limitNotifications) {
        notices.checked = settings.limitNotifications;
      }
      if (shell.value !== settings.defaultShell) shell.value = settings.defaultShell;
      setText(path, state.configPath ?? 'None yet: memex runs on its defaults');
      path.classList.toggle('muted', state.configPath === null);
      setText(open, state.configPath === null ? 'Create and open' : 'Open');
      setHidden(problem, state.configError === null);
      if (state.configError !== null) {
        const { file, issues } = state.configError;
        const where = describeWhere(file, issues[0]?.line);
        setText(
          problem,
          `Error${where === '' ? '' : ` ${where}`}: ${describeConfigProblem(state.configError)}`,
        );
      }
    },
  };
}
