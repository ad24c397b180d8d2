// Asks for the API's bearer token when the API answers 401.
import { useState } from 'preact/hooks';
import { html } from './html.js';

/** `refused` is true when a token was already given and the API still said 401. */
export function TokenPrompt({ refused, onToken }) {
  const [token, setToken] = useState('');
  const submit = (event) => {
    event.preventDefault();
    if (token.trim() !== '') onToken(token.trim());
  };
  return html`
    <form class="token-prompt" data-testid="token-prompt" onSubmit=${submit} aria-labelledby="token-title">
      <h2 id="token-title">This server needs a token</h2>
      <p>
        ${refused ? 'The server refused that token. ' : ''}Enter the bearer token the server was
        started with. It is kept for this browser tab only.
      </p>
      <label for="token-input">API token</label>
      <input
        id="token-input"
        data-testid="token-input"
        type="password"
        autocomplete="off"
        required
        value=${token}
        onInput=${(event) => setToken(event.currentTarget.value)}
      />
      <button type="submit" data-testid="token-submit">Use token</button>
    </form>
  `;
}
