// createConsoleLogger's options: an unknown key is refused at the call, every known one works.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createConsoleLogger } from '../src/index.js';
import { unknownOption } from './helpers.js';

test('createConsoleLogger: an unknown option key throws; every option at once is accepted', () => {
  assert.throws(
    () => createConsoleLogger({ levels: 'debug' } as never),
    unknownOption("createConsoleLogger options: unknown option 'levels' (did you mean 'level'?)"),
  );
  const lines: string[] = [];
  const logger = createConsoleLogger({
    level: 'debug',
    stream: { write: (line: string) => lines.push(line) },
    bindings: { app: 'test' },
  });
  logger.child({ part: 'child' }).debug('hello');
  assert.deepEqual(
    lines.map((line) => {
      const { app, part, msg } = JSON.parse(line);
      return { app, part, msg };
    }),
    [{ app: 'test', part: 'child', msg: 'hello' }],
  );
});
