// The JSON task routes: start, list, read and cancel tasks. Each checks what the client sent
// (task-requests.ts), calls the coordinator, and answers with plain task records; the
// coordinator's typed errors become statuses in error-response.ts.

import type { IncomingMessage } from 'node:http';
import { UnknownTaskError } from '../../backend/errors.js';
import { readJsonBody } from './body.js';
import { sendJson } from './error-response.js';
import type { RouteHost, RouteRequest } from './router.js';
import {
  cancelRequest,
  createTaskRequest,
  listTasksRequest,
  taskIdParam,
} from './task-requests.js';

/** `POST /tasks`: start a task; `201` with its record and `Location`. */
export async function createTask(host: RouteHost, { req, res }: RouteRequest): Promise<void> {
  const body = createTaskRequest(await readJsonBody(req, host.options.maxBodyBytes));
  const id = await host.coordinator.start(body.kind, body.input, {
    ...(body.id === undefined ? {} : { id: body.id }),
    ...(body.timeout === undefined ? {} : { timeout: body.timeout }),
  });
  // The record as the backend holds it now (an inline backend has already run the task). One
  // forgotten at once (a backend that keeps no finished tasks) is answered with what we know.
  const record = (await host.coordinator.get(id)) ?? { id, kind: body.kind };
  res.setHeader('Location', `${mountPath(req)}/tasks/${encodeURIComponent(id)}`);
  sendJson(res, 201, record);
}

/** `GET /tasks`: a page of records, newest first, and the cursor of the next one. */
export async function listTasks(host: RouteHost, { url, res }: RouteRequest): Promise<void> {
  const { status, kind, limit, cursor } = listTasksRequest(url.searchParams);
  // One more than asked for tells whether another page follows.
  const tasks = await host.coordinator.list({
    ...(status === undefined ? {} : { status }),
    ...(kind === undefined ? {} : { kind }),
    ...(cursor === undefined ? {} : { cursor }),
    limit: limit + 1,
  });
  const more = tasks.length > limit;
  if (more) tasks.length = limit;
  const nextCursor = more ? (tasks[tasks.length - 1]?.id ?? null) : null;
  sendJson(res, 200, { tasks, nextCursor });
}

/** `GET /tasks/:id`: the record, or 404. */
export async function getTask(host: RouteHost, { id: segment, res }: RouteRequest): Promise<void> {
  const id = taskIdParam(segment);
  const record = await host.coordinator.get(id);
  if (record === undefined) throw unknownTask(host, id);
  sendJson(res, 200, record);
}

/** `POST /tasks/:id/cancel`: `{ cancelled, task }`, or 404. */
export async function cancelTask(
  host: RouteHost,
  { id: segment, req, res }: RouteRequest,
): Promise<void> {
  const id = taskIdParam(segment);
  const { reason } = cancelRequest(await readJsonBody(req, host.options.maxBodyBytes));
  const before = await host.coordinator.get(id);
  if (before === undefined) throw unknownTask(host, id);
  const cancelled = await host.coordinator.cancel(id, reason ?? 'cancelled over HTTP');
  const task = (await host.coordinator.get(id)) ?? before;
  sendJson(res, 200, { cancelled, task });
}

/** The error for an id the backend does not hold. */
export function unknownTask(host: RouteHost, id: string): UnknownTaskError {
  return new UnknownTaskError(host.coordinator.backend.name, id);
}

/**
 * Where the handler is mounted, for `Location`: Express and Connect strip the mount path from
 * `req.url` and keep it in `req.baseUrl`.
 */
function mountPath(req: IncomingMessage): string {
  const { baseUrl } = req as IncomingMessage & { baseUrl?: unknown };
  return typeof baseUrl === 'string' ? baseUrl : '';
}
