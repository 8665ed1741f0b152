// Owns what the one Tray shows: menu, icon, tooltip and (macOS) title, applied when state
// changes, at most about once a second, and not at all when nothing visible changed. On Linux
// (StatusNotifierItem) a menu is only updated by setContextMenu, so the whole menu is set anew.

import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import {
  iconState,
  menuTemplate,
  tooltip,
  trayTitle,
  type IconState,
  type TrayActions,
  type TrayState,
} from './menu.js';
import { createThrottle } from './throttle.js';

/** The part of Electron's Tray the view drives; `M` is Electron's Menu in the app. */
export interface TraySurface<M = Menu> extends Pick<Tray, 'setImage' | 'setToolTip' | 'setTitle'> {
  setContextMenu(menu: M): void;
}

export interface TrayViewOptions<M = Menu> {
  readonly tray: TraySurface<M>;
  /** `Menu.buildFromTemplate` in the app. */
  readonly buildMenu: (template: MenuItemConstructorOptions[]) => M;
  /** The image for an icon state (a NativeImage, or a path Electron loads). */
  readonly icon: (state: IconState) => NativeImage | string;
  readonly actions: TrayActions;
  /** Minimum time between two updates. Default 1000 ms. */
  readonly intervalMs?: number;
}

export interface TrayView {
  /** Shows `state`: now, or when the interval since the last update has passed. */
  render(state: TrayState): void;
  /** Drops a pending update (app quit). */
  close(): void;
}

export const TRAY_INTERVAL_MS = 1_000;

/**
 * The icon file (in dist/icons/tray) for a state on a platform: template images on macOS, which
 * recolors them for the menu bar; .ico on Windows, which picks a size per display scale; 32 px
 * PNG (with @2x beside it) on Linux, scaled by the panel.
 */
export function trayIconFile(platform: NodeJS.Platform, state: IconState): string {
  if (platform === 'darwin') return `${state}Template.png`;
  if (platform === 'win32') return `${state}.ico`;
  return `${state}-32.png`;
}

export function createTrayView<M = Menu>(options: TrayViewOptions<M>): TrayView {
  let lastMenuKey = '';
  let lastIcon: IconState | undefined;
  let lastTooltip = '';
  let lastTitle: string | undefined;

  const apply = (state: TrayState): boolean => {
    const template = menuTemplate(state, options.actions);
    // Functions drop out of JSON, so the key is exactly what the user would see.
    const menuKey = JSON.stringify(template);
    const icon = iconState(state.status, state.stats);
    const tip = tooltip(state);
    const title = state.platform === 'darwin' ? trayTitle(state) : undefined;
    if (
      menuKey === lastMenuKey &&
      icon === lastIcon &&
      tip === lastTooltip &&
      title === lastTitle
    ) {
      return false;
    }
    if (menuKey !== lastMenuKey) options.tray.setContextMenu(options.buildMenu(template));
    if (icon !== lastIcon) options.tray.setImage(options.icon(icon));
    if (tip !== lastTooltip) options.tray.setToolTip(tip);
    if (title !== undefined && title !== lastTitle) options.tray.setTitle(title);
    lastMenuKey = menuKey;
    lastIcon = icon;
    lastTooltip = tip;
    lastTitle = title;
    return true;
  };

  const throttle = createThrottle(options.intervalMs ?? TRAY_INTERVAL_MS, apply);
  return {
    render(state) {
      throttle.push(state);
    },
    close() {
      throttle.cancel();
    },
  };
}
