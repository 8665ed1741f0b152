// GET /_memex/metrics: the stats' metrics book and live gauges for Prometheus, as its text format
// or OpenMetrics when the scraper asks, rendered by prom-client (loaded on the first scrape).
// Reached past the gate, and past proxy credentials unless config metrics.token is set: then the
// bearer token (RFC 6750), compared in constant time, is the one key to this endpoint.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Stats } from '../stats.js';
import { toFamilies } from '../observe/metrics-families.js';
import { sendError } from './reply.js';

/** Checks an Authorization value against the configured token; built once per config. */
export type TokenCheck = (header: string | undefined) => boolean;

// RFC 6750 §3: the challenge a 401 carries.
const CHALLENGE = 'Bearer realm="memex"';
const BEARER = /^bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;

/** Builds the check for `token`. Only digests are compared, so lengths never leak. */
export function createTokenCheck(token: string): TokenCheck {
  const expected = digest(token);
  return (header) => {
    const given = header === undefined ? undefined : BEARER.exec(header)?.[1];
    return given !== undefined && timingSafeEqual(digest(given), expected);
  };
}

/**
 * Whether the scraper accepts OpenMetrics (`application/openmetrics-text`, q > 0). Scrapers list
 * it first when they read it; prom-client writes its version 1.0.0, which they all read.
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';');
    if (type.trim().toLowerCase() !== 'application/openmetrics-text') continue;
    const q = params.map((param) => param.trim().toLowerCase()).find((p) => p.startsWith('q='));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** Answers one scrape; `token` null: no token is asked for. */
export async function serveMetrics(
  res: ServerResponse,
  headers: IncomingHttpHeaders,
  stats: Stats,
  token: TokenCheck | null,
): Promise<void> {
  if (token !== null && !token(headers.authorization)) {
    sendError(
      res,
      'METRICS_TOKEN_REQUIRED',
      '/_memex/metrics needs the token of config metrics.token: send Authorization: Bearer <token>',
      { 'www-authenticate': CHALLENGE },
    );
    return;
  }
  const families = toFamilies(stats.metrics, stats.snapshot());
  let body: string;
  let contentType: string;
  try {
    const { toExposition } = await import('../observe/metrics-exposition.js');
    ({ body, contentType } = await toExposition(families, wantsOpenMetrics(headers.accept)));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    sendError(res, 'METRICS_UNAVAILABLE', `metrics could not be rendered: ${message}`);
    return;
  }
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
