// The TaskCoordinator suite, as a function of a backend factory so that it runs on every backend.
// It ports seed 002's test lists by name: all of test_cancellation.py, the coordinator part of
// test_shutdown.py, the timeout and structured-concurrency items of test_asyncio_patterns.py,
// and the race categories of test_race_conditions.py, one file each under suite/. Streams are
// followed to their end within generous bounds; nothing sleeps to let things settle.

import { afterEach, test } from 'node:test';
import type { BackendFactory } from './helpers.js';
import { shutdownAll } from './helpers.js';
import { asyncioPatternsTests } from './suite/asyncio-patterns.js';
import { basicsTests } from './suite/basics.js';
import { cancellationTests } from './suite/cancellation.js';
import type { SuiteContext } from './suite/context.js';
import { raceConditionsTests } from './suite/race-conditions.js';
import { shutdownTests } from './suite/shutdown.js';

/** Register the whole coordinator suite for `factory`. */
export function coordinatorSuite(factory: BackendFactory): void {
  const context: SuiteContext = {
    factory,
    it: (name, fn) => {
      const issue = factory.knownIssues?.[name];
      test(name, issue === undefined ? {} : { todo: issue }, fn);
    },
    slow: factory.slow === true ? 3 : 1,
  };
  afterEach(shutdownAll);
  basicsTests(context);
  cancellationTests(context);
  shutdownTests(context);
  asyncioPatternsTests(context);
  raceConditionsTests(context);
}
