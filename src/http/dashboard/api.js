// The dashboard's client for the Warden HTTP API (docs/http.md): JSON calls with the bearer
// token, and a task's event stream through EventSource. Every URL is relative to the page, so
// the dashboard works wherever the API is mounted (the page is `<base>/`, the API `<base>/…`).

const TOKEN_KEY = 'warden.token';

/** The events after which the server ends the stream. */
const ENDING_EVENT_TYPES = new Set(['completed', 'failed', 'cancelled', 'overflow', 'shutdown']);

/** Where the API lives: the page's own directory (with the slash a bare mount path lacks). */
function apiBase() {
  const base = new URL(window.location.href);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  return base;
}

function apiUrl(path) {
  return new URL(path, apiBase());
}

/** The token kept for this browser session, or '' when none was given. */
export function getToken() {
  return window.sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Keep `token` for this browser session ('' forgets it). */
export function setToken(token) {
  if (token === '') window.sessionStorage.removeItem(TOKEN_KEY);
  else window.sessionStorage.setItem(TOKEN_KEY, token);
}

/** An API answer that was not 2xx: its status and the `{ error: { code, message } }` body. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** Whether the API wants a (different) token. */
  get unauthorized() {
    return this.status === 401;
  }
}

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const token = getToken();
  if (token !== '') headers.Authorization = `Bearer ${token}`;
  const init = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiUrl(path), init);
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `The server could not be reached (${error.message}).`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): reported below by status.
  }
  if (!response.ok) {
    const error = json?.error;
    throw new ApiError(
      response.status,
      error?.code ?? `HTTP_${response.status}`,
      error?.message ?? `${response.status} ${response.statusText}`,
    );
  }
  return json;
}

function taskPath(id) {
  return `tasks/${encodeURIComponent(id)}`;
}

/** `GET /tasks`: the newest tasks, `{ tasks, nextCursor }`. */
export function listTasks(limit = 50) {
  return request('GET', `tasks?limit=${limit}`);
}

/** `GET /tasks/:id`: one task record. */
export function getTask(id) {
  return request('GET', taskPath(id));
}

/** `POST /tasks`: start a task of `kind` with `input`; resolves with its record. */
export function startTask(kind, input) {
  return request('POST', 'tasks', { kind, input });
}

/** `POST /tasks/:id/cancel`: resolves with `{ cancelled, task }`. */
export function cancelTask(id) {
  return request('POST', `${taskPath(id)}/cancel`, { reason: 'cancelled from the dashboard' });
}

/**
 * Follow a task's events (`GET /tasks/:id/events`) until the stream ends. Calls `onOpen()`
 * when the stream is connected, `onEvent(taskEvent)` for each event, `onEnd(taskEvent)` after the one that ends the stream,
 * and `onBroken()` if the stream cannot be opened or kept open (a 401 or 404 before it starts:
 * EventSource does not say which, so the caller asks the API). After `overflow` it reopens the
 * stream from the last event it saw, as the contract asks. Returns a function that stops.
 *
 * The stream is asked for unnamed events (`named=false`): EventSource delivers a named event
 * only to a listener registered for its name, and a task's own types (`ctx.emit('page', …)`)
 * cannot be known in advance, so every event comes as `message` with its type in the data.
 */
export function followEvents(id, { onOpen, onEvent, onEnd, onBroken }) {
  let source;
  let lastSeq;
  let stopped = false;

  const stop = () => {
    stopped = true;
    source?.close();
  };

  const open = () => {
    const url = apiUrl(`${taskPath(id)}/events`);
    const token = getToken();
    if (token !== '') url.searchParams.set('access_token', token);
    if (lastSeq !== undefined) url.searchParams.set('lastEventId', String(lastSeq));
    url.searchParams.set('named', 'false');
    source = new EventSource(url);
    source.addEventListener('message', (message) => {
      if (stopped) return;
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      const type = event.type;
      if (type !== 'overflow' && type !== 'shutdown' && typeof event.seq === 'number') {
        lastSeq = event.seq;
      }
      onEvent(event);
      if (type === 'overflow') {
        // Resume after the last event the server sent.
        const resumeAt = event.data?.lastEventId ?? event.seq;
        if (typeof resumeAt === 'number') lastSeq = resumeAt;
        source.close();
        open();
      } else if (ENDING_EVENT_TYPES.has(type)) {
        stop();
        onEnd(event);
      }
    });
    source.addEventListener('open', () => {
      if (!stopped) onOpen();
    });
    source.addEventListener('error', () => {
      // CONNECTING: the browser reconnects by itself (sending Last-Event-ID). CLOSED: it gave up.
      if (!stopped && source.readyState === EventSource.CLOSED) {
        stop();
        onBroken();
      }
    });
  };

  open();
  return stop;
}
