// A task's latest progress: a bar when it reads as a fraction, its raw JSON otherwise.
import { compactJson, progressFraction } from './format.js';
import { html } from './html.js';

export function ProgressBar({ progress }) {
  if (progress === undefined) return html`<span class="muted">—</span>`;
  const fraction = progressFraction(progress);
  if (fraction === undefined) {
    return html`<code class="progress-raw" data-testid="progress-raw">${compactJson(progress)}</code>`;
  }
  const percent = Math.round(fraction * 100);
  return html`
    <span class="progress">
      <progress data-testid="progress-bar" max="1" value=${fraction} aria-label=${`${percent}% done`}></progress>
      <span class="progress-label" aria-hidden="true">${percent}%</span>
    </span>
  `;
}
