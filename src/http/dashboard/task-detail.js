// The selected task: its record, a Cancel button while it can still be cancelled, and its live
// event stream.
import { useEffect, useState } from 'preact/hooks';
import { cancelTask, followEvents, getTask } from './api.js';
import { appendEvent, EventLog } from './event-log.js';
import { clockTime, isLive, newerRecord, prettyJson } from './format.js';
import { html } from './html.js';
import { ProgressBar } from './progress-bar.js';
import { StatusBadge } from './status-badge.js';

const STREAM_LABELS = {
  connecting: 'connecting…',
  live: 'live',
  ended: 'ended',
  broken: 'not connected',
};

/**
 * `listRecord` is the task's row from the list, if it is on the list's page: the fresher of it
 * and this pane's own record is shown. `session` changes when a new token is given, which
 * reopens the stream. `onApiError(error)` handles a failed call (a 401 asks for the token);
 * `onChanged()` asks the list to refresh.
 */
export function TaskDetail({ id, listRecord, session, onApiError, onChanged }) {
  const [ownRecord, setOwnRecord] = useState(undefined);
  const [entries, setEntries] = useState([]);
  const [stream, setStream] = useState('connecting');
  const [cancelling, setCancelling] = useState(false);

  useEffect(() => {
    let active = true;
    setOwnRecord(undefined);
    setEntries([]);
    setStream('connecting');
    const refresh = () =>
      getTask(id).then(
        (task) => active && setOwnRecord(task),
        (error) => active && onApiError(error),
      );
    refresh();
    const stop = followEvents(id, {
      onOpen: () => setStream('live'),
      onEvent: (event) => {
        setEntries((previous) => appendEvent(previous, event));
        if (event.type === 'progress') {
          // Show progress at once; the record catches up on the next refresh.
          setOwnRecord((task) =>
            task === undefined || event.seq <= task.lastEventId
              ? task
              : { ...task, status: 'running', progress: event.data?.value, lastEventId: event.seq },
          );
        } else if (event.type === 'started') {
          refresh();
        }
      },
      onEnd: () => {
        setStream('ended');
        refresh();
        onChanged();
      },
      onBroken: () => {
        setStream('broken');
        refresh();
      },
    });
    return () => {
      active = false;
      stop();
    };
  }, [id, session]);

  const task = newerRecord(listRecord, ownRecord);

  const cancel = async () => {
    setCancelling(true);
    try {
      const answer = await cancelTask(id);
      setOwnRecord((current) => newerRecord(current, answer.task));
      onChanged();
    } catch (error) {
      onApiError(error);
    } finally {
      setCancelling(false);
    }
  };

  return html`
    <section class="task-detail" data-testid="task-detail" data-task-id=${id} aria-labelledby="detail-title">
      <header class="detail-header">
        <h2 id="detail-title">Task <code>${id}</code></h2>
        ${task !== undefined && html`<${StatusBadge} status=${task.status} />`}
        ${
          task !== undefined &&
          isLive(task.status) &&
          html`<button
            type="button"
            class="danger"
            data-testid="cancel-button"
            disabled=${cancelling}
            onClick=${cancel}
          >
            ${cancelling ? 'Cancelling…' : 'Cancel'}
          </button>`
        }
      </header>
      ${task === undefined ? html`<p class="muted">Loading…</p>` : html`<${TaskFacts} task=${task} />`}
      <h3>
        Events <span class="stream-state" data-testid="stream-state" data-state=${stream}>${STREAM_LABELS[stream]}</span>
      </h3>
      <${EventLog} entries=${entries} />
    </section>
  `;
}

function TaskFacts({ task }) {
  return html`
    <dl class="facts">
      <dt>Kind</dt>
      <dd>${task.kind}</dd>
      <dt>Progress</dt>
      <dd><${ProgressBar} progress=${task.progress} /></dd>
      <dt>Attempts</dt>
      <dd>${task.attempts}</dd>
      <dt>Created</dt>
      <dd>${clockTime(task.createdAt)}</dd>
      <dt>Started</dt>
      <dd>${clockTime(task.startedAt)}</dd>
      <dt>Finished</dt>
      <dd>${clockTime(task.finishedAt)}</dd>
    </dl>
    <${JsonBlock} label="Input" value=${task.input} />
    ${'result' in task && html`<${JsonBlock} label="Result" value=${task.result} />`}
    ${task.error !== undefined && html`<${JsonBlock} label="Error" value=${task.error} />`}
    ${task.cancelReason !== undefined && html`<${JsonBlock} label="Cancel reason" value=${task.cancelReason} />`}
  `;
}

function JsonBlock({ label, value }) {
  return html`
    <details class="json-block" open>
      <summary>${label}</summary>
      <pre>${prettyJson(value)}</pre>
    </details>
  `;
}
