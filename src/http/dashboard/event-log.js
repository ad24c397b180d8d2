// A task's events as they arrive, one line each.
import { clockTime, compactJson } from './format.js';
import { html } from './html.js';

/** Events the log keeps; older lines are dropped so a chatty task cannot grow the page forever. */
const MAX_ENTRIES = 500;

/** Types that report on the stream rather than take a place in the task's sequence. */
const STREAM_TYPES = new Set(['overflow', 'shutdown']);

/**
 * `entries` with `event` appended. A jump in `seq` becomes a "not shown" line: events older than
 * the server's history, or dropped while the page was reconnecting. A `seq` already logged (a
 * replay) is skipped.
 */
export function appendEvent(entries, event) {
  const next = [...entries];
  if (!STREAM_TYPES.has(event.type) && typeof event.seq === 'number') {
    const last = lastSeq(entries);
    if (event.seq <= last) return entries;
    if (event.seq > last + 1) {
      next.push({ key: `gap-${event.seq}`, gap: event.seq - last - 1, atStart: last === 0 });
    }
  }
  next.push({ key: `${event.type}-${event.seq}-${next.length}`, event });
  return next.length > MAX_ENTRIES ? next.slice(-MAX_ENTRIES) : next;
}

function lastSeq(entries) {
  for (let i = entries.length - 1; i >= 0; i--) {
    const event = entries[i].event;
    if (event !== undefined && !STREAM_TYPES.has(event.type)) return event.seq;
  }
  return 0;
}

/**
 * `started` is always the first event, so a gap before it is history the server no longer
 * keeps; a later gap is events the page missed.
 */
function gapText({ gap, atStart }) {
  const events = gap === 1 ? '1 event' : `${gap} events`;
  return atStart ? `${events} from before no longer kept` : `${events} not received`;
}

export function EventLog({ entries }) {
  return html`
    <ol class="event-log" data-testid="event-log" aria-live="polite" aria-label="Events">
      ${entries.length === 0 && html`<li class="muted">No events yet.</li>`}
      ${entries.map((entry) =>
        entry.event === undefined
          ? html`<li key=${entry.key} class="event-gap" data-testid="event-gap">
              ${gapText(entry)}
            </li>`
          : html`<li
              key=${entry.key}
              class=${`event event-${entry.event.type}`}
              data-testid="event-entry"
              data-event-type=${entry.event.type}
            >
              <span class="event-seq">#${entry.event.seq}</span>
              <time class="event-time">${clockTime(entry.event.time)}</time>
              <span class="event-type">${entry.event.type}</span>
              <code class="event-data">${compactJson(entry.event.data)}</code>
            </li>`,
      )}
    </ol>
  `;
}
