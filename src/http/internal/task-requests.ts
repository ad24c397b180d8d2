// Checks of what a client sends to the task routes: the `:id` segment, the bodies of
// `POST /tasks` and `POST /tasks/:id/cancel`, the query of `GET /tasks` and the event stream's
// resume point. Anything wrong is a `BadRequestError` saying what, before the coordinator sees it.

import type { IncomingMessage } from 'node:http';
import { MAX_TYPE_LENGTH, validateTaskType } from '../../backend/handler-registry.js';
import { validateTaskId } from '../../backend/internal/validate-task.js';
import type { TaskState } from '../../backend/task-events.js';
import { MAX_TIMER_MS } from '../../task/internal/validate.js';
import { BadRequestError } from '../errors.js';
import type { JsonBody } from './body.js';

/** Largest page of `GET /tasks`. */
export const MAX_PAGE = 500;
/** Page size of `GET /tasks` without `limit`. */
export const DEFAULT_PAGE = 50;

/**
 * The largest event seq: PostgreSQL's `integer`, where the durable backend keeps it. A resume
 * point past it could never be reached, and would overflow the query that looks it up.
 */
export const MAX_EVENT_ID = 2_147_483_647;

const STATUSES: readonly TaskState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const DIGITS = /^\d{1,10}$/;
/** A NUL, or a surrogate that is not half of a pair (with `u`, a pair is one code point). */
const UNSTORABLE = /[\0\p{Cs}]/u;

/** The `:id` segment as a task id: percent-decoded, then checked. */
export function taskIdParam(segment: string | undefined): string {
  let id: string;
  try {
    id = decodeURIComponent(segment ?? '');
  } catch {
    throw new BadRequestError(`${JSON.stringify(segment)} is not a valid task id`);
  }
  return checkedId(id, 'task id');
}

/** What `POST /tasks` asks for. */
export interface CreateTaskRequest {
  readonly kind: string;
  readonly input: unknown;
  readonly id: string | undefined;
  readonly timeout: number | undefined;
}

/** `{ kind, input?, id?, timeout? }`. */
export function createTaskRequest(body: JsonBody): CreateTaskRequest {
  if (!body.present) throw new BadRequestError('the body is empty: send { "kind": "…" }');
  const value = jsonObject(body.value);
  const { kind, input, id, timeout } = value;
  if (typeof kind !== 'string' || kind.length === 0) {
    throw new BadRequestError('"kind" must be a non-empty string');
  }
  checkedKind(kind, '"kind"');
  if (id !== undefined && typeof id !== 'string') {
    throw new BadRequestError('"id" must be a string');
  }
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' ||
      !Number.isFinite(timeout) ||
      timeout < 0 ||
      timeout > MAX_TIMER_MS)
  ) {
    throw new BadRequestError(
      `"timeout" must be a number of milliseconds from 0 to ${MAX_TIMER_MS}`,
    );
  }
  return {
    kind,
    input,
    id: id === undefined ? undefined : checkedId(id, '"id"'),
    timeout,
  };
}

/** `{ reason? }`, or no body. */
export function cancelRequest(body: JsonBody): { reason: string | undefined } {
  if (!body.present) return { reason: undefined };
  const { reason } = jsonObject(body.value);
  if (reason !== undefined && typeof reason !== 'string') {
    throw new BadRequestError('"reason" must be a string');
  }
  // PostgreSQL stores no NUL in text, and refuses a lone surrogate's `\u` escape in jsonb.
  if (reason !== undefined && UNSTORABLE.test(reason)) {
    throw new BadRequestError('"reason" must not contain NUL characters or lone surrogates');
  }
  return { reason };
}

/** What `GET /tasks` asks for. */
export interface ListTasksRequest {
  readonly status: TaskState[] | undefined;
  readonly kind: string | undefined;
  readonly limit: number;
  readonly cursor: string | undefined;
}

/** `?status=a,b&kind=k&limit=n&cursor=id`. */
export function listTasksRequest(query: URLSearchParams): ListTasksRequest {
  const statusParam = query.get('status');
  let status: TaskState[] | undefined;
  if (statusParam !== null) {
    status = statusParam.split(',').map((item) => item.trim()) as TaskState[];
    for (const item of status) {
      if (!STATUSES.includes(item)) {
        throw new BadRequestError(
          `"status" must be one or more of ${STATUSES.join(', ')} (comma-separated), got ${JSON.stringify(item)}`,
        );
      }
    }
  }
  const kindParam = query.get('kind');
  const kind = kindParam === null ? undefined : checkedKind(kindParam, '"kind"');
  const limitParam = query.get('limit');
  let limit = DEFAULT_PAGE;
  if (limitParam !== null) {
    limit = DIGITS.test(limitParam) ? Number(limitParam) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_PAGE)) {
      throw new BadRequestError(
        `"limit" must be an integer from 1 to ${MAX_PAGE}, got ${JSON.stringify(limitParam)}`,
      );
    }
  }
  const cursorParam = query.get('cursor');
  const cursor = cursorParam === null ? undefined : checkedId(cursorParam, '"cursor"');
  return { status, kind, limit, cursor };
}

/** Where an event stream resumes: `Last-Event-ID`, else `?lastEventId=`, else 0. */
export function lastEventIdOf(req: IncomingMessage, query: URLSearchParams): number {
  const header = req.headers['last-event-id'];
  const given = typeof header === 'string' ? header.trim() : query.get('lastEventId');
  if (given === null || given === '') return 0;
  const seq = DIGITS.test(given) ? Number(given) : Number.NaN;
  if (!(seq <= MAX_EVENT_ID)) {
    throw new BadRequestError(
      `Last-Event-ID must be the seq of an event (an integer from 0 to ${MAX_EVENT_ID}), got ${JSON.stringify(given.length > 40 ? `${given.slice(0, 40)}…` : given)}`,
    );
  }
  return seq;
}

/**
 * `?named=false`: send events without their `event:` line, so a browser's EventSource gets
 * every type as `message`. Anything but `true`/`false` (or absent) is a 400.
 */
export function namedEventsOf(query: URLSearchParams): boolean {
  const given = query.get('named');
  if (given === null || given === 'true') return true;
  if (given === 'false') return false;
  throw new BadRequestError(`named must be true or false, got ${JSON.stringify(given)}`);
}

function jsonObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestError('the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * A kind as the backends take it: 1–128 characters, no whitespace, no control characters, no
 * lone surrogates (a NUL would otherwise reach PostgreSQL, which refuses it in text).
 */
function checkedKind(kind: string, what: string): string {
  try {
    validateTaskType(what, kind);
  } catch {
    throw new BadRequestError(
      `${what} ${JSON.stringify(kind.length > 140 ? `${kind.slice(0, 140)}…` : kind)} is not a task kind: 1–${MAX_TYPE_LENGTH} characters without whitespace or control characters`,
    );
  }
  return kind;
}

function checkedId(id: string, what: string): string {
  try {
    validateTaskId(id);
  } catch {
    throw new BadRequestError(
      `${what} ${JSON.stringify(id.length > 140 ? `${id.slice(0, 140)}…` : id)} is not a valid task id: 1–128 characters from A–Z a–z 0–9 . _ ~ : - starting with a letter or digit`,
    );
  }
  return id;
}
