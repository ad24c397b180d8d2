/**
 * Options of `warden/http` ({@link createWardenHandler}, {@link startWardenServer}), their
 * defaults in one place, and their checks.
 *
 * @module
 */

import type { TaskCoordinator } from '../coordinator/task-coordinator.js';
import { InvalidArgumentError } from '../errors.js';
import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';
import { getDefaultRuntime } from '../lifecycle/default-runtime.js';
import { Runtime } from '../lifecycle/runtime.js';
import { createConsoleLogger, type Logger } from '../observe/logger.js';
import { MAX_TIMER_MS } from '../task/internal/validate.js';
import { type HostAllowlist, resolveAllowedHosts } from './internal/host-check.js';
import type { WardenMetrics } from './metrics.js';

/** Cross-origin access: which origins a browser may call the API from. */
export interface WardenCorsOptions {
  /** An origin (`'https://ops.example.com'`), several, or `'*'` for any. */
  origin: string | readonly string[];
}

/** Options for {@link createWardenHandler} (and {@link startWardenServer}). */
export interface WardenHandlerOptions {
  /**
   * Bearer token guarding every route but `/healthz`, `/readyz` and the dashboard's files;
   * compared in constant time. The event stream also accepts it as `?access_token=`.
   * @default none (no authentication)
   */
  token?: string;
  /**
   * Host names the server answers to besides IP addresses and `localhost` (and, for
   * {@link startWardenServer}, its own `host`): a request whose `Host` header names another is
   * a 421, which is what stops DNS rebinding. A leading dot allows a domain and all its
   * subdomains (`'.example.com'`); ports are not compared. Behind a proxy, list the name
   * browsers use. `'*'` accepts any name: only for a handler whose host server checks `Host`
   * itself.
   * @default [] (IP addresses, `localhost` and the server's own `host` only)
   */
  allowedHosts?: readonly string[] | '*';
  /**
   * Origins a browser may call the API from (answers preflight `OPTIONS` requests too). These
   * are also the only other origins whose pages may send requests at all: any other page's
   * request is a 403 (`WARDEN_ERR_CROSS_SITE_REQUEST`).
   * @default false (same origin only)
   */
  cors?: WardenCorsOptions | false;
  /**
   * Largest request body in bytes; a bigger one is a 413 and reading stops at the limit.
   * @default 1_048_576
   */
  maxBodyBytes?: number;
  /**
   * Milliseconds between SSE keep-alive comments. A client that reads nothing for a whole
   * interval while the server has data waiting for it is disconnected.
   * @default 15_000
   */
  keepAliveInterval?: number;
  /**
   * The SSE `retry:` the server sends: how long a client waits before it reconnects, in ms.
   * @default 2_000
   */
  retry?: number;
  /**
   * Per-stream bound of events not yet written to a slow client; then `overflow`.
   * @default the coordinator's `maxQueuedEvents`
   */
  maxQueuedEvents?: number;
  /**
   * Serve the dashboard at `/` (its files under `/dashboard/`).
   * @default true
   */
  dashboard?: boolean;
  /**
   * The metrics `/metrics` serves and SSE streams are counted in; `false` serves no `/metrics`.
   * @default a new `createWardenMetrics(coordinator)`, disposed by `close()`
   */
  metrics?: WardenMetrics | false;
  /**
   * The runtime whose shutdown makes `/readyz` fail (and, for {@link startWardenServer}, that
   * stops the server in phases); `false`: only `close()` does.
   * @default getDefaultRuntime()
   */
  runtime?: Runtime | false;
  /**
   * Where requests that fail with a 5xx (with their stack) and shutdown progress are logged.
   * @default createConsoleLogger()
   */
  logger?: Logger;
}

/** Options for {@link startWardenServer}. */
export interface WardenServerOptions extends WardenHandlerOptions {
  /** The coordinator to serve. Required. */
  coordinator: TaskCoordinator;
  /**
   * Address to listen on. Anything but loopback (`127.0.0.1`, `::1`, `localhost`) requires
   * `token` (else `TokenRequiredError`, before anything listens). A name given here is also
   * answered as `Host`, as if it were in `allowedHosts`.
   * @default '127.0.0.1'
   */
  host?: string;
  /**
   * Port to listen on; `0` picks a free one (read it from `server.url`).
   * @default 7780
   */
  port?: number;
}

/**
 * The defaults of {@link WardenServerOptions} that are plain values.
 *
 * @example
 * ```ts
 * httpDefaults.port; // 7780
 * ```
 */
export const httpDefaults = {
  host: '127.0.0.1',
  port: 7780,
  allowedHosts: [],
  cors: false,
  maxBodyBytes: 1_048_576,
  keepAliveInterval: 15_000,
  retry: 2_000,
  dashboard: true,
  /** How long `server.close()` waits for connections to end before it cuts them, in ms. */
  closeTimeout: 10_000,
} as const satisfies Omit<WardenServerOptions, 'coordinator'> & { closeTimeout: number };

// Listed rather than taken from `httpDefaults`, which mixes the handler's, the server's and
// `close()`'s defaults; `satisfies` keeps each list equal to its interface.
const corsOptionKeys = optionKeys(['origin']) satisfies OptionKeys<keyof WardenCorsOptions>;

const handlerOptionKeys = optionKeys([
  'token',
  'allowedHosts',
  'cors',
  'maxBodyBytes',
  'keepAliveInterval',
  'retry',
  'maxQueuedEvents',
  'dashboard',
  'metrics',
  'runtime',
  'logger',
]) satisfies OptionKeys<keyof WardenHandlerOptions>;

const serverOptionKeys = optionKeys([
  ...handlerOptionKeys,
  'coordinator',
  'host',
  'port',
]) satisfies OptionKeys<keyof WardenServerOptions>;

/** @internal The handler's options, checked, with defaults applied (metrics resolved later). */
export interface ResolvedHandlerOptions {
  readonly token: string | undefined;
  readonly allowedHosts: HostAllowlist;
  readonly corsOrigins: ReadonlySet<string> | undefined;
  readonly maxBodyBytes: number;
  readonly keepAliveInterval: number;
  readonly retry: number;
  readonly maxQueuedEvents: number | undefined;
  readonly dashboard: boolean;
  readonly metrics: WardenMetrics | false | undefined;
  readonly runtime: Runtime | false;
  readonly logger: Logger;
}

/** @internal Check the handler's options; throws {@link InvalidArgumentError}. */
export function resolveHandlerOptions(options: WardenHandlerOptions): ResolvedHandlerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  checkOptionKeys(options, handlerOptionKeys, 'createWardenHandler');
  const {
    token,
    allowedHosts = httpDefaults.allowedHosts,
    cors = httpDefaults.cors,
    maxBodyBytes = httpDefaults.maxBodyBytes,
    keepAliveInterval = httpDefaults.keepAliveInterval,
    retry = httpDefaults.retry,
    maxQueuedEvents,
    dashboard = httpDefaults.dashboard,
    metrics,
    runtime,
    logger,
  } = options;
  if (token !== undefined && (typeof token !== 'string' || token.length === 0)) {
    throw new InvalidArgumentError('options.token', 'a non-empty string', token);
  }
  checkInteger('options.maxBodyBytes', maxBodyBytes, 0, Number.MAX_SAFE_INTEGER);
  checkInteger('options.keepAliveInterval', keepAliveInterval, 1, MAX_TIMER_MS);
  checkInteger('options.retry', retry, 0, MAX_TIMER_MS);
  if (maxQueuedEvents !== undefined) {
    checkInteger('options.maxQueuedEvents', maxQueuedEvents, 1, Number.MAX_SAFE_INTEGER);
  }
  if (typeof dashboard !== 'boolean') {
    throw new InvalidArgumentError('options.dashboard', 'a boolean', dashboard);
  }
  if (
    metrics !== undefined &&
    metrics !== false &&
    (typeof metrics !== 'object' || metrics === null || typeof metrics.render !== 'function')
  ) {
    throw new InvalidArgumentError('options.metrics', 'a WardenMetrics or false', metrics);
  }
  if (runtime !== undefined && runtime !== false && !(runtime instanceof Runtime)) {
    throw new InvalidArgumentError('options.runtime', 'a Runtime or false', runtime);
  }
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger?.error !== 'function')) {
    throw new InvalidArgumentError('options.logger', 'a Logger', logger);
  }
  return {
    token,
    allowedHosts: resolveAllowedHosts(allowedHosts, 'options.allowedHosts'),
    corsOrigins: resolveCors(cors, 'createWardenHandler'),
    maxBodyBytes,
    keepAliveInterval,
    retry,
    maxQueuedEvents,
    dashboard,
    metrics,
    runtime: runtime ?? getDefaultRuntime(),
    logger: logger ?? createConsoleLogger(),
  };
}

/** @internal The server's own options, checked. */
export interface ResolvedServerOptions {
  readonly coordinator: TaskCoordinator;
  readonly host: string;
  readonly port: number;
}

/** @internal Check what {@link startWardenServer} adds to the handler's options. */
export function resolveServerOptions(options: WardenServerOptions): ResolvedServerOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'an object', options);
  }
  // Every key, the handler's too (it checks its own again, as given to `createWardenHandler`),
  // so that a typo is reported as given to `startWardenServer`.
  checkOptionKeys(options, serverOptionKeys, 'startWardenServer');
  if (typeof options.cors === 'object') {
    checkOptionKeys(options.cors, corsOptionKeys, 'startWardenServer', 'options.cors');
  }
  const { coordinator, host = httpDefaults.host, port = httpDefaults.port } = options;
  if (typeof coordinator !== 'object' || coordinator === null || !('subscribe' in coordinator)) {
    throw new InvalidArgumentError('options.coordinator', 'a TaskCoordinator', coordinator);
  }
  if (typeof host !== 'string' || host.length === 0) {
    throw new InvalidArgumentError('options.host', 'a host name or IP address', host);
  }
  checkInteger('options.port', port, 0, 65_535);
  return { coordinator, host, port };
}

function resolveCors(cors: unknown, context: string): ReadonlySet<string> | undefined {
  if (cors === false) return undefined;
  checkOptionKeys(cors, corsOptionKeys, context, 'options.cors');
  const origin = (cors as WardenCorsOptions | null)?.origin;
  const list: readonly unknown[] = Array.isArray(origin) ? origin : [origin];
  if (
    typeof cors !== 'object' ||
    list.length === 0 ||
    list.some((item) => typeof item !== 'string' || item.length === 0)
  ) {
    throw new InvalidArgumentError('options.cors', '{ origin: string | string[] } or false', cors);
  }
  return new Set(list as string[]);
}

function checkInteger(argument: string, value: unknown, min: number, max: number): void {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new InvalidArgumentError(argument, `an integer from ${min} to ${max}`, value);
  }
}
