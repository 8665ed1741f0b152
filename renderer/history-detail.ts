// One stored request in a dialog: every field of its row, and what the inspector captured when it
// was on: both sides' headers (credentials already `[redacted]`), the prompt and the reply read
// out of the bodies, the raw bodies, and a stream's events. Everything from the network is text.

import type { MemexBridge } from '../shared/bridge.js';
import type { Capture, CapturedBody, CapturedHeader, HistoryDetail } from '../shared/history.js';
import { byId, element, setText } from './dom.js';
import { rowFields } from './history-fields.js';
import { formatBytes, formatCount, toDisplayPath } from './format.js';
import { readPrompt, readReply } from './messages.js';

export interface HistoryDetailView {
  /** Opens the dialog on request `id` and loads it. */
  readonly open: (id: number) => void;
}

/** `failure` words a rejected call (the proxy may be stopped). */
export function createHistoryDetail(
  bridge: MemexBridge,
  failure: (message: string) => string,
): HistoryDetailView {
  const dialog = byId('history-detail', HTMLDialogElement);
  const heading = byId('history-detail-heading', HTMLElement);
  const content = byId('history-detail-body', HTMLElement);
  const close = byId('history-detail-close', HTMLButtonElement);
  // The request last asked for: an answer for an earlier one, arriving late, is dropped.
  let wanted = -1;
  close.addEventListener('click', () => {
    dialog.close();
  });

  return {
    open: (id) => {
      wanted = id;
      setText(heading, `Request ${id}`);
      content.replaceChildren(element('p', 'note', 'Loading…'));
      if (!dialog.open) dialog.showModal();
      bridge.historyDetail(id).then(
        (detail) => {
          if (wanted !== id) return;
          if (detail === null) {
            content.replaceChildren(element('p', 'note', 'This request is no longer in history.'));
            return;
          }
          const { row } = detail;
          setText(heading, `${row.method} ${row.host}${toDisplayPath(row.path)}`);
          content.replaceChildren(...detailParts(detail));
        },
        (err: unknown) => {
          if (wanted !== id) return;
          const message = failure(err instanceof Error ? err.message : String(err));
          content.replaceChildren(element('p', 'problem', message));
        },
      );
    },
  };
}

function detailParts({ row, capture }: HistoryDetail): HTMLElement[] {
  const fields = element('dl', 'detail-fields');
  for (const [label, value] of rowFields(row)) {
    fields.append(element('dt', '', label), element('dd', '', value));
  }
  if (capture === null) {
    return [fields, element('p', 'note capture-none', 'Capture: none (inspector off)')];
  }
  return [fields, ...captureParts(row.schema, capture)];
}

function captureParts(schema: HistoryDetail['row']['schema'], capture: Capture): HTMLElement[] {
  const parts: HTMLElement[] = [
    heading('Request headers'),
    headerTable(capture.requestHeaders, 'request-headers'),
  ];
  const prompt = readPrompt(schema, capture.requestBody?.text ?? null);
  if (prompt.length > 0) {
    const list = element('ol', 'prompt');
    for (const turn of prompt) {
      const item = list.appendChild(element('li'));
      item.append(element('span', 'role', turn.role), element('pre', 'turn', turn.text));
    }
    parts.push(heading('Prompt'), list);
  }
  parts.push(heading('Request body'), ...bodyParts(capture.requestBody, 'request-body'));
  parts.push(heading('Response headers'), headerTable(capture.responseHeaders, 'response-headers'));
  const reply = readReply(schema, capture.responseBody?.text ?? null, capture.events);
  if (reply !== null) parts.push(heading('Reply'), element('pre', 'reply', reply));
  parts.push(heading('Response body'), ...bodyParts(capture.responseBody, 'response-body'));
  if (capture.events !== null) {
    parts.push(heading(`Events (${formatCount(capture.events.length)})`));
    const list = element('ol', 'events');
    for (const { event, data } of capture.events) {
      const item = list.appendChild(element('li'));
      item.append(element('span', 'event', event === '' ? 'message' : event));
      item.append(element('pre', 'data', data));
    }
    parts.push(list);
  }
  return parts;
}

function heading(text: string): HTMLElement {
  return element('h3', 'sub-head', text);
}

function headerTable(headers: readonly CapturedHeader[], className: string): HTMLElement {
  if (headers.length === 0) return element('p', 'note', 'None');
  const table = element('table', `usage-table headers ${className}`);
  const body = table.appendChild(element('tbody'));
  for (const [name, value] of headers) {
    const tr = body.appendChild(element('tr'));
    tr.append(element('th', 'name', name), element('td', 'value', value));
  }
  return table;
}

function bodyParts(body: CapturedBody | null, className: string): HTMLElement[] {
  if (body === null) return [element('p', 'note', 'None')];
  const size = `${formatBytes(body.bytes)} on the wire`;
  if (body.text === null) return [element('p', 'note', `Not text (${size}): not kept`)];
  const note = body.truncated ? `${size}; shown up to the inspector's size limit` : size;
  return [element('p', 'note', note), element('pre', `code raw ${className}`, body.text)];
}
