// The header's form: start a task of some kind with a JSON input.
import { useState } from 'preact/hooks';
import { html } from './html.js';

/**
 * `onStart(kind, input)` starts the task and resolves, or rejects with an error whose message
 * the form shows (an unknown kind, an input the task refuses).
 */
export function StartForm({ onStart }) {
  const [kind, setKind] = useState('countdown');
  const [input, setInput] = useState('{"from":5}');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event) => {
    event.preventDefault();
    const trimmedKind = kind.trim();
    if (trimmedKind === '') {
      setProblem('Name the kind of task to start.');
      return;
    }
    let parsed = null;
    if (input.trim() !== '') {
      try {
        parsed = JSON.parse(input);
      } catch (error) {
        setProblem(`The input is not JSON: ${error.message}`);
        return;
      }
    }
    setBusy(true);
    setProblem('');
    try {
      await onStart(trimmedKind, parsed);
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <form class="start-form" data-testid="start-form" onSubmit=${submit} aria-label="Start a task">
      <div class="field">
        <label for="start-kind">Kind</label>
        <input
          id="start-kind"
          data-testid="start-kind"
          name="kind"
          required
          autocomplete="off"
          spellcheck="false"
          value=${kind}
          onInput=${(event) => setKind(event.currentTarget.value)}
        />
      </div>
      <div class="field field-wide">
        <label for="start-input">Input (JSON)</label>
        <textarea
          id="start-input"
          data-testid="start-input"
          name="input"
          rows="2"
          spellcheck="false"
          value=${input}
          onInput=${(event) => setInput(event.currentTarget.value)}
        ></textarea>
      </div>
      <button type="submit" data-testid="start-submit" disabled=${busy}>Start task</button>
      ${problem !== '' && html`<p class="problem" role="alert" data-testid="start-problem">${problem}</p>`}
    </form>
  `;
}
