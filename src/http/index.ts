/**
 * `warden/http`: the Warden API over HTTP (JSON, Server-Sent Events, probes, Prometheus
 * metrics, a dashboard), as a mountable request handler or a standalone server.
 *
 * @packageDocumentation
 */

export {
  BadRequestError,
  CrossSiteRequestError,
  HeadersTooLargeError,
  HostNotAllowedError,
  InternalServerError,
  MethodNotAllowedError,
  RequestTimeoutError,
  RequestTooLargeError,
  RouteNotFoundError,
  TokenRequiredError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from './errors.js';
export { createWardenHandler, type WardenHandler } from './handler.js';
export {
  createWardenMetrics,
  TASK_DURATION_BUCKETS,
  type WardenMetrics,
  type WardenMetricsOptions,
  wardenMetricsDefaults,
} from './metrics.js';
export {
  httpDefaults,
  type WardenCorsOptions,
  type WardenHandlerOptions,
  type WardenServerOptions,
} from './options.js';
export {
  startWardenServer,
  type WardenServer,
  type WardenServerCloseOptions,
} from './server.js';
