// `GET /tasks/:id/events`: a task's events as Server-Sent Events. The route checks the id and
// the resume point, answers 404 (as JSON, before any stream starts) for an unknown task, then
// pulls events from a coordinator subscription one at a time, each after the socket has taken
// the previous one (see sse-stream.ts for why that bounds memory).

import { CoordinatorShutDownError } from '../../coordinator/errors.js';
import type { RouteHost, RouteRequest } from './router.js';
import { unknownTask } from './routes-tasks.js';
import { SseStream } from './sse-stream.js';
import { lastEventIdOf, namedEventsOf, taskIdParam } from './task-requests.js';

const ENDED: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** The message of the `shutdown` event a stream gets when the handler closes. */
export const HANDLER_CLOSED_MESSAGE = 'the HTTP server is shutting down';

/** `GET /tasks/:id/events`. */
export async function streamTaskEvents(host: RouteHost, request: RouteRequest): Promise<void> {
  const { req, res, url } = request;
  const { coordinator, options } = host;
  const id = taskIdParam(request.id);
  const lastEventId = lastEventIdOf(req, url.searchParams);
  const named = namedEventsOf(url.searchParams);
  if (coordinator.state !== 'running') throw new CoordinatorShutDownError(coordinator.name);
  const record = await coordinator.get(id);
  if (record === undefined) throw unknownTask(host, id);
  if (ENDED.has(record.status) && lastEventId >= record.lastEventId) {
    // The client has the terminal event and nothing will follow: a 204 is how SSE tells an
    // EventSource to stop reconnecting.
    res.statusCode = 204;
    res.end();
    return;
  }
  if (req.method === 'HEAD') {
    res.statusCode = 200;
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.end();
    return;
  }
  const stream = new SseStream(res, {
    taskId: id,
    lastEventId,
    keepAliveInterval: options.keepAliveInterval,
    named,
  });
  host.track(stream);
  stream.open(options.retry);
  // The handler closing cancels the request's token: the stream ends with `shutdown`.
  const closing = request.token.onCancel(() => stream.shutdown(HANDLER_CLOSED_MESSAGE));
  if (stream.ended) {
    closing.dispose();
    return;
  }
  const events = coordinator.subscribe(id, {
    lastEventId,
    signal: stream.signal,
    ...(options.maxQueuedEvents === undefined ? {} : { maxQueuedEvents: options.maxQueuedEvents }),
  });
  try {
    for (;;) {
      const next = await events.next();
      if (next.done === true) break;
      if (!(await stream.send(next.value))) break;
    }
  } catch (error) {
    if (error instanceof CoordinatorShutDownError) stream.shutdown(error.message);
    else {
      // Headers are out, so no error status is possible. The stream still ends with a final
      // event, never bare: `shutdown`, whose `lastEventId` the client reconnects with.
      options.logger.warn({ err: error, taskId: id }, `event stream of task ${id} failed`);
      stream.shutdown(`following task ${id} failed; reconnect to resume`);
    }
  } finally {
    closing.dispose();
    await events.return?.();
    stream.end();
    // The request lasts until its last event is flushed (or its client is gone).
    await stream.closed;
  }
}
