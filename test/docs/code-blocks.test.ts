// Every code block in README.md and docs/*.md is tested: what a reader copies must work.
//
// The convention, for whoever writes docs:
//
// - A ```ts / ```typescript / ```js / ```javascript / ```mjs block is RUN by default: written
//   to a file of its own in a temporary directory (exactly as it is: `warden`, `warden/postgres`
//   and `warden/http` resolve to src/ through tsconfig `paths`), run with `node --import tsx`,
//   and it must exit 0 within the time limit, writing nothing to stderr but Warden's JSON log
//   lines below `error`. It is also type-checked with the project's compiler options. It gets
//   PORT=0 and WARDEN_LOG_LEVEL=warn, and never the test's DATABASE_URL.
// - An HTML comment on the line right before the fence marks a block (it is not rendered):
//   - `<!-- run: service -->`: a service that runs until stopped. Once it has printed its first
//     line to stdout it gets SIGTERM and must exit 0 by itself. Services run one at a time,
//     because some listen on fixed ports (7780, 8080, 9090).
//   - `<!-- run: postgres -->`: it needs PostgreSQL; DATABASE_URL names a fresh, empty database,
//     dropped afterwards. Combine: `<!-- run: service, postgres -->`.
//   - `<!-- fragment -->` or `<!-- fragment: <TypeScript> -->`: a piece of a program, not a
//     program. It is only TYPE-CHECKED, after the TypeScript given in the marker (the imports
//     and `declare`s of what it assumes), which is put on the line before it.
//   Any other comment right before a fence is an error.
// - A `json` block must parse. `sh`, `bash`, `text` (output), `http` and `yaml` blocks are not
//   code. A fence with no language, or another language, is an error: nothing is passed over
//   without a word.
//
// Prefer a small complete block that runs over a fragment.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type BlockPlan, planBlock } from './block-plan.js';
import { type DocFile, docFiles } from './doc-files.js';
import { freshDatabase, serverAvailable } from './fresh-database.js';
import { type FencedBlock, scanMarkdown } from './markdown.js';
import { killRunningBlocks, runBlock, unexpectedStderr } from './run-block.js';
import { type TypecheckResult, typecheck } from './typecheck.js';
import { type BlockFile, Workspace } from './workspace.js';

/** A generous bound for each wait of a run, on a loaded 2-core machine. */
const RUN_TIMEOUT_MS = 30_000;

interface Entry {
  readonly doc: DocFile;
  readonly block: FencedBlock;
  readonly plan: BlockPlan;
  readonly label: string;
}

const entries: Entry[] = docFiles().flatMap((doc) =>
  scanMarkdown(doc.text).blocks.map((block) => ({
    doc,
    block,
    plan: planBlock(block),
    label: `${doc.path}:${block.line}`,
  })),
);

const workspace = new Workspace();
const files = new Map<Entry, BlockFile>();
for (const entry of entries) {
  const { plan } = entry;
  if (plan.kind === 'run') files.set(entry, workspace.write(entry.doc, entry.block, plan.lang));
  if (plan.kind === 'fragment') {
    files.set(entry, workspace.write(entry.doc, entry.block, plan.lang, plan.prelude));
  }
}

let checked: Promise<TypecheckResult>;
let postgres: Promise<boolean>;
before(() => {
  // One tsc run for every block, in parallel with the runs; each test awaits its result.
  checked = typecheck(workspace);
  checked.catch(() => {});
  postgres = serverAvailable();
  postgres.catch(() => {});
});
after(() => {
  killRunningBlocks();
  workspace.remove();
});

// Services run one at a time: some listen on fixed ports.
let serviceQueue: Promise<unknown> = Promise.resolve();
function oneServiceAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const turn = serviceQueue.then(fn);
  serviceQueue = turn.catch(() => {});
  return turn;
}

async function assertTypechecks(file: BlockFile): Promise<void> {
  const diagnostics = (await checked).diagnosticsOf(file);
  assert.deepEqual(
    diagnostics,
    [],
    `${file.label} does not type-check:\n${diagnostics.join('\n')}`,
  );
}

async function run(entry: Entry, file: BlockFile, skip: (why: string) => void): Promise<void> {
  const { plan } = entry;
  if (plan.kind !== 'run') throw new Error('not a runnable block');
  const env: Record<string, string> = { PORT: '0', WARDEN_LOG_LEVEL: 'warn' };
  let database: { url: string; drop(): Promise<void> } | undefined;
  if (plan.run.postgres) {
    if (!(await postgres)) {
      skip('no PostgreSQL server (set WARDEN_TEST_DATABASE_URL)');
      return;
    }
    database = await freshDatabase();
    env.DATABASE_URL = database.url;
  }
  try {
    const start = (): ReturnType<typeof runBlock> =>
      runBlock(file, { service: plan.run.service, env, timeoutMs: RUN_TIMEOUT_MS });
    const result = await (plan.run.service ? oneServiceAtATime(start) : start());
    const output = `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
    assert.equal(result.signal, null, `${entry.label} was killed by ${result.signal}\n${output}`);
    assert.equal(result.code, 0, `${entry.label} exited ${result.code}\n${output}`);
    assert.deepEqual(unexpectedStderr(result.stderr), [], `${entry.label} wrote to stderr`);
  } finally {
    await database?.drop();
  }
}

describe('the code blocks of README.md and docs/*.md', { concurrency: 2 }, () => {
  test('every fenced block is runnable code, a marked fragment, JSON or labelled text', () => {
    const problems = entries.flatMap(({ plan, label }) =>
      plan.kind === 'error' ? [`${label}: ${plan.problem}`] : [],
    );
    assert.deepEqual(problems, []);
  });

  test('the type-check finds nothing wrong outside the blocks', async () => {
    assert.deepEqual((await checked).elsewhere, []);
  });

  for (const entry of entries) {
    const { plan, label } = entry;
    const file = files.get(entry);
    if (plan.kind === 'json') {
      test(`${label}: JSON parses`, () => {
        assert.doesNotThrow(() => JSON.parse(entry.block.code), label);
      });
    } else if (plan.kind === 'fragment' && file !== undefined) {
      test(`${label}: fragment type-checks`, () => assertTypechecks(file));
    } else if (plan.kind === 'run' && file !== undefined) {
      const how = [plan.run.service ? 'as a service' : '', plan.run.postgres ? 'on PostgreSQL' : '']
        .filter((word) => word !== '')
        .join(', ');
      test(`${label}: runs${how === '' ? '' : ` ${how}`} and type-checks`, async (t) => {
        let skipped = false;
        await run(entry, file, (why) => {
          skipped = true;
          t.skip(why);
        });
        if (!skipped) await assertTypechecks(file);
      });
    }
  }

  test('how many blocks are run and how many only type-checked', (t) => {
    const count = (kind: BlockPlan['kind']): number =>
      entries.filter((entry) => entry.plan.kind === kind).length;
    t.diagnostic(`run: ${count('run')}, type-checked fragments: ${count('fragment')}`);
    assert.ok(count('run') > count('fragment'), 'most blocks should be complete and run');
  });
});
