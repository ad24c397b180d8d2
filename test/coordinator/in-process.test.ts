// The TaskCoordinator suite on the in-process backend (the coordinator's default), twice: as is
// (subscribers take the backend's batch fast path), and wrapped so that only the public
// `events()` iterator is visible (the path every other backend takes).

import {
  type CoordinatorBackend,
  InProcessBackend,
  type TaskBackend,
  type TaskEventSource,
} from '../../src/index.js';
import { silentLogger } from '../helpers.js';
import { coordinatorSuite } from './suite.js';

function inProcess(concurrency: number | undefined): InProcessBackend {
  return new InProcessBackend({
    logger: silentLogger,
    runtime: false,
    ...(concurrency === undefined ? {} : { concurrency }),
  });
}

/** A backend that shows only the public TaskBackend and TaskEventSource members. */
function publicOnly(inner: InProcessBackend): CoordinatorBackend {
  const backend: TaskBackend & TaskEventSource = {
    get name() {
      return inner.name;
    },
    get state() {
      return inner.state;
    },
    register: (type, handler) => inner.register(type, handler),
    setExecutor: (executor) => inner.setExecutor(executor),
    start: () => inner.start(),
    submit: (task) => inner.submit(task),
    cancel: (id, reason) => inner.cancel(id, reason),
    shutdown: (options) => inner.shutdown(options),
    stats: () => inner.stats(),
    getTask: (id) => inner.getTask(id),
    listTasks: (options) => inner.listTasks(options),
    events: (id, options) => inner.events(id, options),
    [Symbol.asyncDispose]: () => inner[Symbol.asyncDispose](),
  };
  return backend;
}

coordinatorSuite({
  name: 'InProcessBackend',
  make: ({ concurrency } = {}) => inProcess(concurrency),
});

coordinatorSuite({
  name: 'InProcessBackend through events() only',
  make: ({ concurrency } = {}) => publicOnly(inProcess(concurrency)),
});
