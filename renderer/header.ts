// The window's header: the proxy's status (running, stopped, or the error and why), the address
// clients use, a badge while the request inspector records bodies, the Start/Stop button, and
// the config-error banner beneath it.

import type { DashboardState, MemexBridge } from '../shared/bridge.js';
import { toClientOrigin } from '../shared/env.js';
import { isLive, type ProxyStatus } from '../shared/status.js';
import { byId, runAction, setHidden, setText } from './dom.js';
import { describeConfigProblem, describeWhere } from './format.js';

export type Tone = 'ok' | 'busy' | 'idle' | 'error';

/** The status dot's color: like the tray icon, plus amber while a change is under way. */
export function toneOf(status: ProxyStatus): Tone {
  switch (status.kind) {
    case 'running':
      return 'ok';
    case 'starting':
    case 'stopping':
      return 'busy';
    case 'stopped':
      return 'idle';
    case 'failed':
    case 'restarting':
      return 'error';
  }
}

// What the status line leaves out: the rest of a multi-line reason, or what to do next.
function detailOf(status: ProxyStatus): string {
  switch (status.kind) {
    case 'failed':
      if (status.code === 'PORT_IN_USE') {
        return 'Another program is listening on that port. Quit it, or set another port in the config file, then start the proxy.';
      }
      return status.reason.split('\n').slice(1).join('\n');
    case 'restarting':
      return `Last error: ${status.lastError.split('\n')[0] ?? ''} (attempt ${status.attempt})`;
    case 'running':
    case 'starting':
    case 'stopping':
    case 'stopped':
      return '';
  }
}

export interface Header {
  render(state: DashboardState): void;
  /** Shows a failed bridge call until the next one succeeds or 8 s pass. */
  readonly notify: (message: string) => void;
}

export function createHeader(bridge: MemexBridge): Header {
  const status = byId('status', HTMLElement);
  const line = byId('status-line', HTMLElement);
  const address = byId('address', HTMLElement);
  const toggle = byId('toggle', HTMLButtonElement);
  const notice = byId('notice', HTMLElement);
  const inspector = byId('inspector-badge', HTMLElement);
  const detail = byId('status-detail', HTMLElement);
  const banner = byId('config-error', HTMLElement);
  const where = byId('config-error-where', HTMLElement);
  const message = byId('config-error-message', HTMLElement);
  const note = byId('config-error-note', HTMLElement);
  let live = false;
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;

  const notify = (text: string): void => {
    setText(notice, text);
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      setText(notice, '');
    }, 8000);
  };

  toggle.addEventListener('click', () => {
    const stop = live;
    runAction(
      toggle,
      () => (stop ? bridge.stop() : bridge.start()),
      (reason) => {
        notify(`Could not ${stop ? 'stop' : 'start'} the proxy: ${reason}`);
      },
    );
  });

  return {
    notify,
    render(state) {
      const current = state.status;
      status.dataset.tone = toneOf(current);
      setText(line, state.statusLine);
      const running = current.kind === 'running';
      setHidden(address, !running);
      if (running) setText(address, toClientOrigin(current));
      live = isLive(current);
      setText(toggle, live ? 'Stop proxy' : 'Start proxy');
      toggle.classList.toggle('primary', !live);
      toggle.disabled = current.kind === 'stopping';
      setHidden(inspector, !state.settings.inspector);
      // A config that never loaded is the failure itself: the banner below tells it in full.
      const shownBelow =
        state.configError !== null &&
        current.kind === 'failed' &&
        current.code === 'CONFIG_INVALID';
      const extra = shownBelow ? '' : detailOf(current);
      setText(detail, extra);
      setHidden(detail, extra === '');
      detail.dataset.tone = toneOf(current);

      setHidden(banner, state.configError === null);
      if (state.configError !== null) {
        const problem = state.configError;
        setText(where, describeWhere(problem.file, problem.issues[0]?.line));
        setText(message, describeConfigProblem(problem));
        setText(
          note,
          running
            ? 'The proxy keeps running with the last good config.'
            : 'Fix the file, then start the proxy.',
        );
      }
    },
  };
}
