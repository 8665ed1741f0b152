// The history settings: how many days and megabytes of history are kept, the request inspector
// (with what it records), where the file is, and clearing it all, confirmed in the page. A number
// outside its bounds is refused here with the reason; a valid one goes to main, whose next state
// confirms it.

import type { DashboardSetting, DashboardState, MemexBridge } from '../shared/bridge.js';
import { byId, runAction, setAttribute, setHidden, setText } from './dom.js';
import { describeFailure } from './history.js';

/** A setting taken as a whole number within bounds. */
interface Bounded {
  readonly key: 'historyRetentionDays' | 'historyMaxMb';
  readonly id: string;
  readonly min: number;
  readonly max: number;
  /** Says what the number must be. */
  readonly rule: string;
}

const BOUNDED: readonly Bounded[] = [
  {
    key: 'historyRetentionDays',
    id: 'setting-retention',
    min: 1,
    max: 3650,
    rule: 'Keep history for 1 to 3650 days, a whole number.',
  },
  {
    key: 'historyMaxMb',
    id: 'setting-max-mb',
    min: 10,
    max: 100_000,
    rule: 'The size cap is 10 to 100000 MB, a whole number.',
  },
];

/** `text` as a whole number from `min` to `max`, or null. */
export function parseBounded(text: string, min: number, max: number): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  const value = Number(text);
  return value >= min && value <= max ? value : null;
}

export interface HistorySettingsView {
  render(state: DashboardState): void;
}

/** `onCleared` runs once history has been deleted, so the History view can ask again. */
export function createHistorySettingsView(
  bridge: MemexBridge,
  notify: (text: string) => void,
  onCleared: () => void,
): HistorySettingsView {
  const problem = byId('setting-history-problem', HTMLElement);
  const inspector = byId('setting-inspector', HTMLInputElement);
  const file = byId('history-file', HTMLElement);
  const clear = byId('history-clear', HTMLButtonElement);
  const confirm = byId('history-clear-confirm', HTMLElement);
  const yes = byId('history-clear-yes', HTMLButtonElement);
  const cancel = byId('history-clear-cancel', HTMLButtonElement);
  const cleared = byId('history-clear-status', HTMLElement);
  let latest: DashboardState | null = null;
  const inputs = BOUNDED.map((setting) => ({ setting, input: byId(setting.id, HTMLInputElement) }));

  const save = (control: HTMLElement, setting: DashboardSetting): void => {
    runAction(
      control,
      () => bridge.setSetting(setting),
      (reason) => {
        notify(`Could not save the setting: ${reason}`);
      },
    );
  };
  for (const { setting, input } of inputs) {
    input.addEventListener('change', () => {
      const value = parseBounded(input.value, setting.min, setting.max);
      setAttribute(input, 'aria-invalid', value === null ? 'true' : null);
      const invalid = inputs.find((each) => each.input.hasAttribute('aria-invalid'));
      setText(problem, invalid?.setting.rule ?? '');
      setHidden(problem, invalid === undefined);
      if (value !== null) save(input, { key: setting.key, value });
    });
  }
  inspector.addEventListener('change', () => {
    save(inspector, { key: 'inspector', value: inspector.checked });
  });
  const ask = (asking: boolean): void => {
    setHidden(confirm, !asking);
    setHidden(clear, asking);
    if (asking) setText(cleared, '');
    (asking ? cancel : clear).focus();
  };
  clear.addEventListener('click', () => {
    ask(true);
  });
  cancel.addEventListener('click', () => {
    ask(false);
  });
  yes.addEventListener('click', () => {
    runAction(
      yes,
      async () => {
        await bridge.clearHistory();
        ask(false);
        setText(cleared, 'History cleared.');
        onCleared();
      },
      (reason) => {
        setText(cleared, describeFailure(latest, reason, 'clear history'));
      },
    );
  });

  return {
    render(state) {
      latest = state;
      const { settings } = state;
      for (const { setting, input } of inputs) {
        // Typing is not overwritten by a state that arrives meanwhile, nor a refused number.
        const editing = document.activeElement === input || input.hasAttribute('aria-invalid');
        const value = String(settings[setting.key]);
        if (!editing && input.value !== value) input.value = value;
      }
      if (inspector.checked !== settings.inspector) inspector.checked = settings.inspector;
      setText(file, state.history.file ?? 'Not open: the proxy opens it when it starts');
      file.classList.toggle('muted', state.history.file === null);
    },
  };
}
