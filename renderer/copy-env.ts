// "Copy env vars": pick a shell and a mode, see the exact lines (shared/env.ts, the tray's own text
// for the address the proxy really listens on), and copy them through main's clipboard.

import type { DashboardState, MemexBridge } from '../shared/bridge.js';
import { ENV_MODES, SHELLS, envSnippet, type EnvMode, type Shell } from '../shared/env.js';
import { byId, element, fillOptions, runAction, setHidden, setText } from './dom.js';

const DEFAULT_MODE: EnvMode = 'base-url';
// 'unset' names no address; envSnippet still takes one.
const NO_ADDRESS = { host: '127.0.0.1', port: 0 };

export interface CopyEnvView {
  render(state: DashboardState): void;
}

export function createCopyEnvView(
  bridge: MemexBridge,
  notify: (text: string) => void,
): CopyEnvView {
  const shellSelect = byId('env-shell', HTMLSelectElement);
  const modeSelect = byId('env-mode', HTMLSelectElement);
  const text = byId('env-text', HTMLElement);
  const note = byId('env-note', HTMLElement);
  const copy = byId('env-copy', HTMLButtonElement);
  const copied = byId('env-copied', HTMLElement);
  fillOptions(shellSelect, SHELLS);
  fillOptions(modeSelect, ENV_MODES);
  modeSelect.value = DEFAULT_MODE;
  // The shell follows the default-shell setting until the user picks one here.
  let shellChosen = false;
  let last: DashboardState | null = null;
  let copiedTimer: ReturnType<typeof setTimeout> | undefined;

  const shell = (): Shell => SHELLS.find((entry) => entry.id === shellSelect.value)?.id ?? 'bash';
  const mode = (): EnvMode =>
    ENV_MODES.find((entry) => entry.id === modeSelect.value)?.id ?? DEFAULT_MODE;

  const draw = (): void => {
    if (last === null) return;
    const status = last.status;
    const running = status.kind === 'running';
    const available = running || mode() === 'unset';
    setWrappingLines(
      text,
      available ? envSnippet(shell(), mode(), running ? status : NO_ADDRESS) : '',
    );
    setHidden(text, !available);
    setText(note, 'Start the proxy to see these lines: they name the port it listens on.');
    setHidden(note, available);
    copy.disabled = !available;
  };

  shellSelect.addEventListener('change', () => {
    shellChosen = true;
    draw();
  });
  modeSelect.addEventListener('change', draw);
  copy.addEventListener('click', () => {
    const chosenShell = shell();
    const chosenMode = mode();
    runAction(
      copy,
      async () => {
        await bridge.copyEnv(chosenShell, chosenMode);
        setText(copied, 'Copied');
        clearTimeout(copiedTimer);
        copiedTimer = setTimeout(() => {
          setText(copied, '');
        }, 2000);
      },
      (reason) => {
        notify(`Could not copy: ${reason}`);
      },
    );
  });

  return {
    render(state) {
      last = state;
      if (!shellChosen && shellSelect.value !== state.settings.defaultShell) {
        shellSelect.value = state.settings.defaultShell;
      }
      draw();
    },
  };
}

/**
 * Shows `text` one block per line, with a break opportunity (<wbr>, no character) after each
 * / = , ; so a long URL wraps at a separator rather than mid-number. textContent stays `text`.
 */
function setWrappingLines(pre: HTMLElement, text: string): void {
  if (pre.dataset.text === text) return;
  pre.dataset.text = text;
  const lines = text === '' ? [] : text.split('\n');
  pre.replaceChildren(
    ...lines.map((line, index) => {
      const block = element('span', 'line');
      for (const part of line.split(/(?<=[/=,;])/)) {
        block.append(part, document.createElement('wbr'));
      }
      // The newline keeps textContent (and a selection) equal to the copied text.
      if (index < lines.length - 1) block.append('\n');
      return block;
    }),
  );
}
