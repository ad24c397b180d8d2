// The table of tasks, newest first; a row selects its task.
import { clockTime } from './format.js';
import { html } from './html.js';
import { ProgressBar } from './progress-bar.js';
import { StatusBadge } from './status-badge.js';

export function TaskList({ tasks, selectedId, onSelect }) {
  if (tasks === undefined) return html`<p class="muted">Loading tasks…</p>`;
  if (tasks.length === 0) {
    return html`<p class="muted" data-testid="task-list-empty">No tasks yet: start one above.</p>`;
  }
  return html`
    <table class="task-list" data-testid="task-list">
      <caption>Tasks, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Id</th>
          <th scope="col">Kind</th>
          <th scope="col">Status</th>
          <th scope="col">Progress</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        ${tasks.map((task) => {
          const selected = task.id === selectedId;
          return html`
            <tr
              key=${task.id}
              class=${selected ? 'selected' : ''}
              data-testid="task-row"
              data-task-id=${task.id}
              data-status=${task.status}
              onClick=${() => onSelect(task.id)}
            >
              <th scope="row">
                <button
                  type="button"
                  class="link task-id"
                  aria-current=${selected ? 'true' : undefined}
                  aria-label=${`Show task ${task.id}`}
                >
                  ${task.id}
                </button>
              </th>
              <td>${task.kind}</td>
              <td><${StatusBadge} status=${task.status} /></td>
              <td><${ProgressBar} progress=${task.progress} /></td>
              <td><time datetime=${new Date(task.createdAt).toISOString()}>${clockTime(task.createdAt)}</time></td>
            </tr>
          `;
        })}
      </tbody>
    </table>
  `;
}
