// HTTPS tunnels (CONNECT) by host, busiest first, with the totals. A tunnel reveals only its host,
// so this is all memex knows of proxy-mode HTTPS traffic. List items are reused in place.

import type { DashboardState } from '../shared/bridge.js';
import type { TunnelHost } from '../shared/snapshot.js';
import { byId, element, setHidden, setText } from './dom.js';
import { SCHEMA_LABELS, formatBytes, formatCount } from './format.js';

// Stats keep up to 500 hosts; the window lists the busiest and sums the rest in one line.
const SHOWN_HOSTS = 50;

interface Item {
  readonly li: HTMLLIElement;
  readonly host: HTMLElement;
  readonly schema: HTMLElement;
  readonly count: HTMLElement;
}

export interface TunnelsView {
  render(state: DashboardState): void;
}

export function createTunnelsView(): TunnelsView {
  const list = byId('tunnels-list', HTMLUListElement);
  const none = byId('tunnels-none', HTMLElement);
  const summary = byId('tunnels-summary', HTMLElement);
  const items: Item[] = [];

  const itemAt = (index: number): Item => {
    const existing = items[index];
    if (existing !== undefined) return existing;
    const li = element('li', 'tunnel');
    const item = {
      li,
      host: li.appendChild(element('span', 'tunnel-host')),
      schema: li.appendChild(element('span', 'tunnel-schema')),
      count: li.appendChild(element('span', 'tunnel-count')),
    };
    list.append(li);
    items.push(item);
    return item;
  };

  return {
    render(state) {
      const tunnels = state.stats?.tunnels;
      const hosts = Object.entries(tunnels?.byHost ?? {}).sort(busiestFirst);
      setHidden(none, hosts.length > 0);
      setText(
        summary,
        tunnels === undefined || tunnels.total === 0
          ? ''
          : `${formatCount(tunnels.total)} total · ${formatCount(tunnels.active)} open` +
              (tunnels.failed > 0 ? ` · ${formatCount(tunnels.failed)} failed` : '') +
              ` · ${formatBytes(tunnels.bytesIn + tunnels.bytesOut)}`,
      );
      const shown = hosts.slice(0, SHOWN_HOSTS);
      shown.forEach(([host, entry], index) => {
        const item = itemAt(index);
        setHidden(item.li, false);
        setText(item.host, host);
        if (item.host.title !== host) item.host.title = host;
        setText(item.schema, entry.schema === 'unknown' ? '' : SCHEMA_LABELS[entry.schema]);
        if (item.schema.dataset.schema !== entry.schema) item.schema.dataset.schema = entry.schema;
        setText(item.count, formatCount(entry.count));
      });
      const rest = hosts.slice(SHOWN_HOSTS);
      if (rest.length > 0) {
        const item = itemAt(shown.length);
        setHidden(item.li, false);
        setText(item.host, `${formatCount(rest.length)} more hosts`);
        setText(item.schema, '');
        setText(item.count, formatCount(rest.reduce((sum, [, entry]) => sum + entry.count, 0)));
      }
      const used = shown.length + (rest.length > 0 ? 1 : 0);
      for (let i = used; i < items.length; i++) {
        const item = items[i];
        if (item !== undefined) setHidden(item.li, true);
      }
    },
  };
}

function busiestFirst([hostA, a]: [string, TunnelHost], [hostB, b]: [string, TunnelHost]): number {
  return b.count - a.count || hostA.localeCompare(hostB);
}
