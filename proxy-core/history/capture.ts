// An inspector capture in history: the captures row it is written as, beside its request, and
// the parsers for one crossing into history code (a message from the other thread, a row read
// back from the file). Header values are redacted again on the way in: whoever hands the store a
// capture, no credential reaches the file.

import type { SQLInputValue } from 'node:sqlite';
import type { Capture, CapturedBody, CapturedEvent, CapturedHeader } from '../../shared/history.js';
import { isCredentialHeader, REDACTED } from '../observe/inspect-headers.js';
import { isCount, isFields, isInteger, isPair, isText, isTextOrNull } from './fields.js';

export const INSERT_CAPTURE = `INSERT INTO captures (request_id, time, request_headers,
  response_headers, request_body, request_bytes, request_truncated, response_body,
  response_bytes, response_truncated, events) VALUES (${new Array(11).fill('?').join(', ')})`;

/** The select list a captures row is read back with, for {@link parseCaptureRow}. */
export const CAPTURE_COLUMNS = `request_id AS id, request_headers AS requestHeaders,
  response_headers AS responseHeaders, request_body AS requestText, request_bytes AS requestBytes,
  request_truncated AS requestTruncated, response_body AS responseText,
  response_bytes AS responseBytes, response_truncated AS responseTruncated, events`;

/** INSERT_CAPTURE's parameters for the capture of request row `requestId`, made at `time`. */
export function toCaptureParams(
  requestId: number | bigint,
  time: number,
  capture: Capture,
): SQLInputValue[] {
  const { requestBody, responseBody, events } = capture;
  return [
    requestId,
    Math.floor(time),
    JSON.stringify(capture.requestHeaders.map(redacted)),
    JSON.stringify(capture.responseHeaders.map(redacted)),
    requestBody?.text ?? null,
    requestBody?.bytes ?? null,
    requestBody === null ? null : requestBody.truncated ? 1 : 0,
    responseBody?.text ?? null,
    responseBody?.bytes ?? null,
    responseBody === null ? null : responseBody.truncated ? 1 : 0,
    events === null ? null : JSON.stringify(events),
  ];
}

function redacted([name, value]: CapturedHeader): CapturedHeader {
  return [name, isCredentialHeader(name, value) ? REDACTED : value];
}

/** Characters a capture holds (texts, events, headers): what it weighs in memory and messages. */
export function sizeOfCapture(capture: Capture): number {
  let size = (capture.requestBody?.text?.length ?? 0) + (capture.responseBody?.text?.length ?? 0);
  for (const [name, value] of capture.requestHeaders) size += name.length + value.length;
  for (const [name, value] of capture.responseHeaders) size += name.length + value.length;
  for (const { event, data } of capture.events ?? []) size += event.length + data.length;
  return size;
}

/** A Capture from a message, or undefined when any part is not what the type says. */
export function parseCapture(value: unknown): Capture | undefined {
  if (!isFields(value)) return undefined;
  const requestHeaders = parseHeaders(value['requestHeaders']);
  const responseHeaders = parseHeaders(value['responseHeaders']);
  const requestBody = parseBody(value['requestBody']);
  const responseBody = parseBody(value['responseBody']);
  const events = value['events'] === null ? null : parseEvents(value['events']);
  if (
    requestHeaders === undefined ||
    responseHeaders === undefined ||
    requestBody === undefined ||
    responseBody === undefined ||
    events === undefined
  ) {
    return undefined;
  }
  return { requestHeaders, responseHeaders, requestBody, responseBody, events };
}

/** The request id and Capture of a row selected with CAPTURE_COLUMNS, or undefined. */
export function parseCaptureRow(value: unknown): readonly [number, Capture] | undefined {
  if (!isFields(value) || !isInteger(value['id'])) return undefined;
  const requestHeaders = parseHeaders(parseJson(value['requestHeaders']));
  const responseHeaders = parseHeaders(parseJson(value['responseHeaders']));
  const requestBody = bodyOfColumns(
    value['requestText'],
    value['requestBytes'],
    value['requestTruncated'],
  );
  const responseBody = bodyOfColumns(
    value['responseText'],
    value['responseBytes'],
    value['responseTruncated'],
  );
  const events = value['events'] === null ? null : parseEvents(parseJson(value['events']));
  if (
    requestHeaders === undefined ||
    responseHeaders === undefined ||
    requestBody === undefined ||
    responseBody === undefined ||
    events === undefined
  ) {
    return undefined;
  }
  return [value['id'], { requestHeaders, responseHeaders, requestBody, responseBody, events }];
}

function parseJson(value: unknown): unknown {
  if (!isText(value)) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function parseHeaders(value: unknown): CapturedHeader[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const headers: CapturedHeader[] = [];
  for (const pair of value) {
    if (!isPair(pair)) return undefined;
    const [name, text] = pair;
    if (!isText(name) || !isText(text)) return undefined;
    headers.push([name, text]);
  }
  return headers;
}

function parseBody(value: unknown): CapturedBody | null | undefined {
  if (value === null) return null;
  if (!isFields(value)) return undefined;
  const { text, bytes, truncated } = value;
  return isTextOrNull(text) && isCount(bytes) && typeof truncated === 'boolean'
    ? { text, bytes, truncated }
    : undefined;
}

// A body's three columns: all null when there was no body, `bytes` set whenever there was one.
function bodyOfColumns(
  text: unknown,
  bytes: unknown,
  truncated: unknown,
): CapturedBody | null | undefined {
  if (bytes === null) return text === null && truncated === null ? null : undefined;
  return isTextOrNull(text) && isCount(bytes) && (truncated === 0 || truncated === 1)
    ? { text, bytes, truncated: truncated === 1 }
    : undefined;
}

function parseEvents(value: unknown): CapturedEvent[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const events: CapturedEvent[] = [];
  for (const item of value) {
    if (!isFields(item) || !isText(item['event']) || !isText(item['data'])) return undefined;
    events.push({ event: item['event'], data: item['data'] });
  }
  return events;
}
