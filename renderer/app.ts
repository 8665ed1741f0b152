// The dashboard window's entry: subscribes to main's state through the preload bridge
// (window.memex) and hands each state to the views. Bundled into one classic script.

import type { DashboardState, MemexBridge } from '../shared/bridge.js';
import { createCards } from './cards.js';
import { createConnectView } from './connect.js';
import { createCopyEnvView } from './copy-env.js';
import { byId, setText } from './dom.js';
import { createErrorsView } from './errors.js';
import { createHeader } from './header.js';
import { createHistoryView } from './history.js';
import { createHistorySettingsView } from './history-settings.js';
import { createLimitsView } from './limits.js';
import { createRateHistory } from './rate.js';
import { createRequestsView } from './requests.js';
import { createSettingsView } from './settings.js';
import { createSpeedView } from './speed.js';
import { createTokenRate } from './token-rate.js';
import { createTunnelsView } from './tunnels.js';
import { createUsageView } from './usage.js';
import { createWelcomeView } from './welcome.js';
import { createWhoView } from './who.js';

declare global {
  interface Window {
    /** Set by the preload; absent when the page is opened anywhere else. */
    readonly memex?: MemexBridge;
  }
}

// Main sends a state only when something changed, so with no traffic the charts and the limits'
// countdowns would stand still; this tick moves them on as the minutes pass.
const CLOCK_TICK_MS = 10_000;

function start(bridge: MemexBridge): void {
  const rates = createRateHistory();
  const header = createHeader(bridge);
  const cards = createCards(rates);
  const tokenRate = createTokenRate();
  const usage = createUsageView(tokenRate);
  const limits = createLimitsView();
  const errors = createErrorsView();
  const connect = createConnectView(bridge, header.notify);
  const requests = createRequestsView();
  const history = createHistoryView(bridge);
  const views = [
    header,
    cards,
    usage,
    createSpeedView(),
    createWhoView(requests),
    limits,
    errors,
    createWelcomeView(),
    requests,
    history,
    createTunnelsView(),
    connect,
    createCopyEnvView(bridge, header.notify),
    createSettingsView(bridge, header.notify),
    createHistorySettingsView(bridge, header.notify, history.reload),
  ];
  // The state's clock is main's; elapsed time since it arrived extends it between states.
  let clock: { time: number; at: number } | null = null;

  bridge.onState((state: DashboardState) => {
    clock = { time: state.time, at: performance.now() };
    if (state.stats !== null) rates.observe(state.time, state.stats);
    else rates.advance(state.time);
    tokenRate.observe(state.time, state.usageToday, state.stats?.recent ?? []);
    for (const view of views) view.render(state);
  });
  setInterval(() => {
    if (clock === null) return;
    const now = clock.time + performance.now() - clock.at;
    rates.advance(now);
    tokenRate.advance(now);
    cards.renderCharts();
    usage.renderChart();
    limits.advance(now);
    errors.advance(now);
    connect.advance(now);
  }, CLOCK_TICK_MS);
}

const bridge = window.memex;
if (bridge === undefined) {
  setText(byId('status-line', HTMLElement), 'This page runs inside the memex app only.');
} else {
  start(bridge);
}
