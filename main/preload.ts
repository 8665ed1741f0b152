// The dashboard's preload: exposes window.memex (MemexBridge) through contextBridge and nothing
// else — never ipcRenderer itself. A renderer-side entry file: bundled into one CommonJS file
// (sandboxed preloads cannot load ES modules or other files), so it imports electron at runtime.

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, type DashboardState, type MemexBridge } from '../shared/bridge.js';

const bridge: MemexBridge = {
  onState(listener) {
    const onMessage = (_event: IpcRendererEvent, state: DashboardState): void => {
      listener(state);
    };
    ipcRenderer.on(CHANNELS.state, onMessage);
    void (ipcRenderer.invoke(CHANNELS.getState) as Promise<DashboardState>).then(listener);
    return () => {
      ipcRenderer.removeListener(CHANNELS.state, onMessage);
    };
  },
  start: () => ipcRenderer.invoke(CHANNELS.start) as Promise<void>,
  stop: () => ipcRenderer.invoke(CHANNELS.stop) as Promise<void>,
  copyEnv: (shell, mode) => ipcRenderer.invoke(CHANNELS.copyEnv, shell, mode) as Promise<void>,
  copyAgentSetup: (agent, shell) =>
    ipcRenderer.invoke(CHANNELS.copyAgentSetup, agent, shell) as Promise<void>,
  openConfig: () => ipcRenderer.invoke(CHANNELS.openConfig) as Promise<void>,
  setSetting: (setting) => ipcRenderer.invoke(CHANNELS.setSetting, setting) as Promise<void>,
  queryHistory: (filter) =>
    ipcRenderer.invoke(CHANNELS.queryHistory, filter) as ReturnType<MemexBridge['queryHistory']>,
  historyTotals: (filter) =>
    ipcRenderer.invoke(CHANNELS.historyTotals, filter) as ReturnType<MemexBridge['historyTotals']>,
  historyDetail: (id) =>
    ipcRenderer.invoke(CHANNELS.historyDetail, id) as ReturnType<MemexBridge['historyDetail']>,
  exportHistory: (filter, format) =>
    ipcRenderer.invoke(CHANNELS.exportHistory, filter, format) as Promise<string | null>,
  clearHistory: () => ipcRenderer.invoke(CHANNELS.clearHistory) as Promise<void>,
};

contextBridge.exposeInMainWorld('memex', bridge);
