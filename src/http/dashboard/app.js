// The Warden dashboard: start tasks, watch them run, cancel them. Plain ES modules, Preact and
// htm, no build step; served by serve-dashboard.ts. The API contract is docs/http.md.
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { getToken, listTasks, setToken, startTask } from './api.js';
import { html } from './html.js';
import { StartForm } from './start-form.js';
import { TaskDetail } from './task-detail.js';
import { TaskList } from './task-list.js';
import { TokenPrompt } from './token-prompt.js';

/** How often the task list is refreshed, in milliseconds. */
const REFRESH_MS = 1_500;

function App() {
  const [tasks, setTasks] = useState(undefined);
  const [selectedId, setSelectedId] = useState(undefined);
  const [needsToken, setNeedsToken] = useState(false);
  // The latest failure to show: `fromList` ones clear when the list loads again.
  const [problem, setProblem] = useState(undefined);
  // Bumped when a token is given, so every view refetches and reopens its stream.
  const [session, setSession] = useState(0);

  const report = useCallback((error, fromList) => {
    if (error.unauthorized) setNeedsToken(true);
    else setProblem({ text: `${error.message}${error.code ? ` (${error.code})` : ''}`, fromList });
  }, []);
  const onApiError = useCallback((error) => report(error, false), [report]);

  const refresh = useCallback(async () => {
    try {
      const page = await listTasks();
      setTasks(page.tasks);
      setProblem((current) => (current?.fromList ? undefined : current));
    } catch (error) {
      report(error, true);
    }
  }, [report]);

  useEffect(() => {
    if (needsToken) return undefined;
    refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return () => clearInterval(timer);
  }, [needsToken, session, refresh]);

  const onToken = (token) => {
    setToken(token);
    setNeedsToken(false);
    setSession((n) => n + 1);
  };

  const onStart = async (kind, input) => {
    try {
      const task = await startTask(kind, input);
      setSelectedId(task.id);
      await refresh();
    } catch (error) {
      if (error.unauthorized) {
        setNeedsToken(true);
        throw new Error('The server needs a token: enter it, then start the task again.');
      }
      throw error;
    }
  };

  const selected = tasks?.find((task) => task.id === selectedId);

  return html`
    <header class="top">
      <h1>Warden</h1>
      ${!needsToken && html`<${StartForm} onStart=${onStart} />`}
    </header>
    <main>
      ${
        problem !== undefined &&
        html`<div class="problem" role="alert" data-testid="problem">
          <span>${problem.text}</span>
          <button type="button" class="link" onClick=${() => setProblem(undefined)}>Dismiss</button>
        </div>`
      }
      ${
        needsToken
          ? html`<${TokenPrompt} refused=${getToken() !== ''} onToken=${onToken} />`
          : html`
            <div class="panes">
              <section class="list-pane" aria-label="Tasks">
                <${TaskList} tasks=${tasks} selectedId=${selectedId} onSelect=${setSelectedId} />
              </section>
              ${
                selectedId === undefined
                  ? html`<p class="detail-placeholder muted">Select a task to see its events.</p>`
                  : html`<${TaskDetail}
                      key=${selectedId}
                      id=${selectedId}
                      listRecord=${selected}
                      session=${session}
                      onApiError=${onApiError}
                      onChanged=${refresh}
                    />`
              }
            </div>
          `
      }
    </main>
  `;
}

const root = document.getElementById('app');
root.replaceChildren(); // the "Loading…" placeholder: Preact renders beside what it did not make
render(html`<${App} />`, root);
