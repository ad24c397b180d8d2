// Probes and metrics: `/healthz` (is the process live), `/readyz` (should it get traffic: no
// from the first moment of a shutdown), `/metrics` (Prometheus text).

import { sendJson } from './error-response.js';
import type { RouteHost, RouteRequest } from './router.js';

/** `GET /healthz`: 200 while the process is live, else 503. */
export function healthz(host: RouteHost, { res }: RouteRequest): void {
  if (host.live()) sendJson(res, 200, { status: 'ok' });
  else sendJson(res, 503, { status: 'failing' });
}

/** `GET /readyz`: 200 until a shutdown begins (or the handler closes), then 503. */
export function readyz(host: RouteHost, { res }: RouteRequest): void {
  if (host.ready()) sendJson(res, 200, { status: 'ready' });
  else sendJson(res, 503, { status: 'shutting-down' });
}

/** `GET /metrics`: the metrics in Prometheus' text format. */
export async function metrics(host: RouteHost, { res }: RouteRequest): Promise<void> {
  const { metrics: served } = host;
  if (served === undefined) return;
  const text = await served.render();
  res.statusCode = 200;
  res.setHeader('Content-Type', served.contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}
