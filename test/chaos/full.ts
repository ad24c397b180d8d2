// The chaos suite's full form: every load mode at full size, then the SIGTERM cases, and a table
// of the figures. Not a test (it asserts nothing and always runs to the end): the short form's
// tests under test/chaos/*.test.ts assert the same figures on smaller runs.
//
//   npm run chaos                       # everything (15–25 minutes on a 2-core machine)
//   npm run chaos -- --only pglite      # only the modes whose name contains "pglite"
//   npm run chaos -- --only sigterm     # only the SIGTERM cases
//   CHAOS_KEEP_LOGS=1 npm run chaos ... # keep each run's handler logs (their paths are printed)
//
// Needs the shared PostgreSQL (WARDEN_TEST_DATABASE_URL, default
// postgres://root@127.0.0.1:5432/test), where each mode makes and drops its own database; the
// stop/start modes make their own cluster with Debian's pg_createcluster (run as root) and never
// touch the shared one. Modes that cannot run here are skipped and listed.

import { parseArgs } from 'node:util';
import { clusterToolsPresent } from './harness/cluster.js';
import { SHARED_SERVER_URL, serverAnswers } from './harness/database.js';
import { FULL_MODES, type LoadMode } from './harness/modes.js';
import { runPgliteMode } from './harness/pglite-run.js';
import { formatOne, formatSigtermTable, formatTable } from './harness/report.js';
import { type ModeResult, runServerMode } from './harness/server-run.js';
import { type SigtermResult, serveCase, workerCase } from './harness/sigterm.js';

const { values } = parseArgs({ options: { only: { type: 'string' } } });
const only = values.only?.toLowerCase();
const server = await serverAnswers(SHARED_SERVER_URL);
const cluster = clusterToolsPresent();

function skipReason(mode: LoadMode): string | undefined {
  if (mode.engine === 'server' && !server) return `no PostgreSQL at ${SHARED_SERVER_URL}`;
  if (mode.outage !== undefined && !cluster) return 'no pg_createcluster';
  return undefined;
}

const results: ModeResult[] = [];
const skipped: string[] = [];
const broken: string[] = [];
const started = Date.now();
for (const mode of FULL_MODES) {
  if (only !== undefined && !mode.name.toLowerCase().includes(only)) continue;
  const reason = skipReason(mode);
  if (reason !== undefined) {
    skipped.push(`${mode.name}: ${reason}`);
    continue;
  }
  console.error(`chaos: ${mode.name} …`);
  try {
    const result = mode.engine === 'server' ? await runServerMode(mode) : await runPgliteMode(mode);
    console.error(`chaos:   ${formatOne(result)}`);
    results.push(result);
  } catch (error) {
    // One broken mode must not cost the figures of the others.
    console.error(error);
    broken.push(`${mode.name}: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
  }
}

const sigterms: SigtermResult[] = [];
const cases: Array<[string, () => Promise<SigtermResult>, boolean]> = [
  ['sigterm serve pglite', () => serveCase('pglite'), true],
  ['sigterm serve server', () => serveCase('server'), server],
  ['sigterm worker', () => workerCase(), server],
];
for (const [name, run, possible] of cases) {
  if (only !== undefined && !name.includes(only)) continue;
  if (!possible) {
    skipped.push(`${name}: no PostgreSQL at ${SHARED_SERVER_URL}`);
    continue;
  }
  console.error(`chaos: ${name} …`);
  try {
    sigterms.push(await run());
  } catch (error) {
    console.error(error);
    broken.push(`${name}: ${error instanceof Error ? error.message.split('\n')[0] : error}`);
  }
}

console.log('');
if (results.length > 0) console.log(`${formatTable(results)}\n`);
if (sigterms.length > 0) console.log(`${formatSigtermTable(sigterms)}\n`);
for (const line of skipped) console.log(`skipped: ${line}`);
for (const line of broken) console.log(`broken (see stderr): ${line}`);
console.log(
  `chaos: ${results.length} load modes, ${sigterms.length} SIGTERM cases in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
