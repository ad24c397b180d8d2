// The route table of the Warden API (docs/http.md, "Routes").

import type { Route } from './router.js';
import { streamTaskEvents } from './routes-events.js';
import { healthz, metrics, readyz } from './routes-probes.js';
import { cancelTask, createTask, getTask, listTasks } from './routes-tasks.js';

/** Every route; `/metrics` only when metrics are served. */
export function wardenRoutes(withMetrics: boolean): Route[] {
  const routes: Route[] = [
    { path: '/tasks', methods: { GET: listTasks, POST: createTask }, auth: true },
    { path: '/tasks/:id', methods: { GET: getTask }, auth: true },
    { path: '/tasks/:id/cancel', methods: { POST: cancelTask }, auth: true },
    {
      path: '/tasks/:id/events',
      methods: { GET: streamTaskEvents },
      auth: true,
      tokenInQuery: true,
    },
    { path: '/healthz', methods: { GET: healthz }, auth: false },
    { path: '/readyz', methods: { GET: readyz }, auth: false },
  ];
  if (withMetrics) routes.push({ path: '/metrics', methods: { GET: metrics }, auth: true });
  return routes;
}
