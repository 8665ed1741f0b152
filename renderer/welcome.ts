// The first-run view, in place of the requests table until any traffic arrives: the lines that
// point a terminal at memex (for the address it really listens on) and a curl request to try.

import type { DashboardState } from '../shared/bridge.js';
import { envSnippet, toClientOrigin, type ListenAddress } from '../shared/env.js';
import { byId, setHidden, setText } from './dom.js';

export interface WelcomeView {
  render(state: DashboardState): void;
}

/** A Messages API request through memex's /anthropic route (README, "Point clients at memex"). */
export function curlExample(address: ListenAddress): string {
  return [
    `curl ${toClientOrigin(address)}/anthropic/v1/messages \\`,
    '  -H "x-api-key: $ANTHROPIC_API_KEY" -H "anthropic-version: 2023-06-01" \\',
    '  -H "content-type: application/json" \\',
    `  -d '{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}'`,
  ].join('\n');
}

export function createWelcomeView(): WelcomeView {
  const panel = byId('empty', HTMLElement);
  const table = byId('requests-scroll', HTMLElement);
  const intro = byId('empty-intro', HTMLElement);
  const env = byId('empty-env', HTMLElement);
  const curlIntro = byId('empty-curl-intro', HTMLElement);
  const curl = byId('empty-curl', HTMLElement);

  return {
    render(state) {
      const stats = state.stats;
      const fresh =
        stats === null ||
        (Object.values(stats.requests).every((count) => count === 0) &&
          stats.tunnels.total === 0 &&
          stats.active === 0);
      setHidden(panel, !fresh);
      setHidden(table, fresh);
      if (!fresh) return;
      const status = state.status;
      const running = status.kind === 'running';
      setText(
        intro,
        running
          ? 'Paste these lines into a terminal, then run your agent or SDK from there:'
          : 'Start the proxy, then paste the lines shown here into a terminal and run your agent or SDK from there.',
      );
      setHidden(env, !running);
      setHidden(curlIntro, !running);
      setHidden(curl, !running);
      if (!running) return;
      setText(env, envSnippet(state.settings.defaultShell, 'base-url', status));
      setText(curl, curlExample(status));
    },
  };
}
