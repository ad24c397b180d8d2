// A task's status as a coloured badge.
import { html } from './html.js';

export function StatusBadge({ status }) {
  return html`<span class=${`badge badge-${status}`} data-testid="status-badge">${status}</span>`;
}
