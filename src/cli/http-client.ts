/**
 * The HTTP client of the client commands (`submit`, `ls`, `cancel`, `events`): JSON requests to
 * a Warden server with its bearer token, each failure turned into the error the CLI reports.
 *
 * @module
 */

import type { CoordinatorTaskInfo } from '../coordinator/coordinator-options.js';
import { ServerUnreachableError } from './errors.js';
import { ServerResponseError } from './server-error.js';

/** How long a plain request may take before the server counts as unreachable. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Where the server is and how to get in. */
export interface ServerAddress {
  /** The server's base URL, without a trailing slash: `http://127.0.0.1:7780`. */
  readonly url: string;
  /** The bearer token, when the server wants one. */
  readonly token: string | undefined;
}

/** `GET /tasks`'s answer. */
export interface TaskPage {
  readonly tasks: CoordinatorTaskInfo[];
  readonly nextCursor: string | null;
}

/** `POST /tasks/:id/cancel`'s answer. */
export interface CancelAnswer {
  readonly cancelled: boolean;
  readonly task: CoordinatorTaskInfo;
}

/**
 * A Warden server's API (docs/http.md). Rejects with `ServerUnreachableError` when the server
 * cannot be reached and `ServerResponseError` when it answers with an error.
 *
 * @example
 * ```ts
 * const client = new WardenClient({ url: 'http://127.0.0.1:7780', token: undefined });
 * const task = await client.submit({ kind: 'countdown', input: { from: 3 } });
 * ```
 */
export class WardenClient {
  constructor(readonly address: ServerAddress) {}

  /** `POST /tasks`. */
  submit(body: {
    kind: string;
    input?: unknown;
    id?: string;
    timeout?: number;
  }): Promise<CoordinatorTaskInfo> {
    return this.request('POST', '/tasks', body);
  }

  /** `GET /tasks/:id`. */
  get(id: string): Promise<CoordinatorTaskInfo> {
    return this.request('GET', `/tasks/${encodeURIComponent(id)}`);
  }

  /** `GET /tasks?…`. */
  list(query: Record<string, string | undefined>): Promise<TaskPage> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query))
      if (value !== undefined) params.set(key, value);
    const search = params.size > 0 ? `?${params}` : '';
    return this.request('GET', `/tasks${search}`);
  }

  /** `POST /tasks/:id/cancel`. */
  cancel(id: string, reason: string | undefined): Promise<CancelAnswer> {
    return this.request(
      'POST',
      `/tasks/${encodeURIComponent(id)}/cancel`,
      reason === undefined ? {} : { reason },
    );
  }

  /** The headers every request carries (the token, when there is one). */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    const { token } = this.address;
    return token === undefined ? extra : { ...extra, authorization: `Bearer ${token}` };
  }

  /** `fetch` a path of the API; a network failure is `ServerUnreachableError`. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.address.url}${path}`, init);
    } catch (error) {
      throw new ServerUnreachableError(this.address.url, networkCause(error));
    }
  }

  /** One JSON request; a non-2xx answer is `ServerResponseError`. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.fetch(path, {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) throw await ServerResponseError.from(response);
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw new ServerUnreachableError(this.address.url, networkCause(error));
    }
  }
}

/**
 * `fetch` says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a timeout) is its
 * `cause`. Report that one.
 */
export function networkCause(error: unknown): unknown {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
  }
  if (error instanceof Error && error.cause instanceof Error) {
    const cause = error.cause as Error & { code?: unknown };
    // An AggregateError (every address refused) has an empty message; its code says it all.
    if (cause.message === '' && typeof cause.code === 'string') return new Error(cause.code);
    return cause;
  }
  return error;
}
