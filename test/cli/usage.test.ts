// The command line itself, in process (runCli with captured output): every bad flag, missing
// argument, bad value and unknown command is a usage error (exit 2) with a message and a short
// usage; help and --version; and the checks serve makes before it opens anything.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { runCli } from '../../src/cli/run-cli.js';
import { closedPort } from './helpers.js';

async function cli(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe('usage errors: exit 2, the problem and a short usage on stderr', () => {
  const cases: Array<[argv: string[], message: string]> = [
    [['frob'], "warden: unknown command 'frob'"],
    [['serve', '--bogus'], 'warden serve: unknown flag --bogus'],
    [['serve', '-x'], 'warden serve: unknown flag -x'],
    [['serve', '--port'], 'warden serve: --port needs a value'],
    [
      ['serve', '--port', 'nope'],
      "warden serve: --port must be an integer from 0 to 65535, got 'nope'",
    ],
    [
      ['serve', '--port', '70000'],
      "warden serve: --port must be an integer from 0 to 65535, got '70000'",
    ],
    [
      ['serve', '--concurrency', '-1'],
      "warden serve: --concurrency must be an integer from 0 to 10000, got '-1'",
    ],
    [
      ['serve', '--concurrency', '2.5'],
      "warden serve: --concurrency must be an integer from 0 to 10000, got '2.5'",
    ],
    [
      ['serve', '--lease-timeout', '10'],
      "warden serve: --lease-timeout must be an integer from 1000 to 86400000, got '10'",
    ],
    [['serve', '--json=yes'], 'warden serve: --json is a switch and takes no value'],
    [['serve', 'extra'], 'warden serve: unexpected argument "extra"'],
    [
      ['serve', '--database', 'postgres://x/y', '--data-dir', 'd'],
      'warden serve: give --database or --data-dir, not both',
    ],
    [
      ['serve', '--database', 'mysql://x/y'],
      "warden serve: --database must be a postgres:// URL, got 'mysql://…'",
    ],
    [
      ['serve', '--database', 'not a url'],
      'warden serve: --database must be a postgres:// URL, and this one does not parse',
    ],
    [
      ['serve', '--schema', 'Bad-Name'],
      "warden serve: --schema must be a lowercase identifier (letters, digits, _; at most 48), got 'Bad-Name'",
    ],
    [
      ['serve', '--concurrency', '0'],
      'warden serve: --concurrency 0 runs no tasks here, and no other process can reach the embedded database',
    ],
    [['serve', '--host', ''], 'warden serve: --host must not be empty'],
    [
      ['serve', '--allowed-host', 'warden.test:7780'],
      "warden serve: --allowed-host must be a host name without a port (or '.example.com', or '*'), got 'warden.test:7780'",
    ],
    [
      ['serve', '--allowed-host', 'ok.test', '--allowed-host', ''],
      "warden serve: --allowed-host must be a host name without a port (or '.example.com', or '*'), got ''",
    ],
    [
      ['worker', '--tasks', 'x.ts'],
      'warden worker: worker needs --database postgres://… (or WARDEN_DATABASE_URL): an embedded database cannot be shared between processes',
    ],
    [
      ['worker', '--database', 'postgres://x/y'],
      'warden worker: worker needs at least one --tasks module',
    ],
    [
      ['worker', '--database', 'postgres://x/y', '--concurrency', '0'],
      "warden worker: --concurrency must be an integer from 1 to 10000, got '0'",
    ],
    [['submit'], 'warden submit: missing argument <kind>'],
    [['submit', 'k', '{oops'], 'warden submit: json-input must be JSON'],
    [['submit', 'k', '1', '2'], 'warden submit: unexpected argument "2"'],
    [
      ['submit', 'k', '--timeout', '0'],
      "warden submit: --timeout must be an integer from 1 to 2147483647, got '0'",
    ],
    [
      ['submit', 'k', '--url', 'ftp://x'],
      "warden submit: --url must be an http:// or https:// URL, got 'ftp://x'",
    ],
    [
      ['ls', '--status', 'done'],
      "warden ls: --status must be one or more of queued, running, succeeded, failed, cancelled (comma-separated), got 'done'",
    ],
    [['ls', '--limit', '0'], "warden ls: --limit must be an integer from 1 to 500, got '0'"],
    [['ls', '--limit', '501'], "warden ls: --limit must be an integer from 1 to 500, got '501'"],
    [['cancel'], 'warden cancel: missing argument <id>'],
    [['events'], 'warden events: missing argument <id>'],
    [
      ['events', 'x', '--last-event-id', '-3'],
      "warden events: --last-event-id must be an integer from 0 to 2147483647, got '-3'",
    ],
    [['migrate', '--tasks', 'x'], 'warden migrate: unknown flag --tasks'],
    [['ls', '--token', ''], 'warden ls: --token must not be empty'],
  ];
  for (const [argv, message] of cases) {
    test(argv.join(' '), async () => {
      const { code, stdout, stderr } = await cli(argv);
      assert.equal(code, 2, stderr);
      assert.equal(stdout, '');
      assert.ok(stderr.startsWith(message), `expected ${JSON.stringify(message)} in:\n${stderr}`);
      const command = argv[0] === 'frob' ? '<command>' : argv[0];
      assert.match(stderr, new RegExp(`\nUsage: warden ${command}`));
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    });
  }

  test('with --json, the error is one JSON line on stderr', async () => {
    const { code, stderr } = await cli(['ls', '--json', '--limit', 'x']);
    assert.equal(code, 2);
    assert.deepEqual(JSON.parse(stderr), {
      error: {
        code: 'WARDEN_ERR_USAGE',
        message: "--limit must be an integer from 1 to 500, got 'x'",
      },
    });
  });

  test('no command at all prints the overview on stderr', async () => {
    const { code, stderr } = await cli([]);
    assert.equal(code, 2);
    assert.match(stderr, /^Usage: warden <command> \[flags\]/);
  });
});

describe('help and version', () => {
  test('warden help / --help / -h list every command', async () => {
    for (const argv of [['help'], ['--help'], ['-h']]) {
      const { code, stdout } = await cli(argv);
      assert.equal(code, 0);
      for (const name of ['serve', 'worker', 'submit', 'ls', 'events', 'cancel', 'migrate']) {
        assert.match(stdout, new RegExp(`\n  ${name} +\\S`), `${name} in ${argv}`);
      }
    }
  });

  test('<command> --help and help <command> describe its flags', async () => {
    const viaFlag = await cli(['serve', '--help']);
    const viaHelp = await cli(['help', 'serve']);
    assert.equal(viaFlag.code, 0);
    assert.equal(viaFlag.stdout, viaHelp.stdout);
    assert.match(viaFlag.stdout, /^Usage: warden serve \[flags\]\n/);
    for (const flag of [
      '--tasks <module>',
      '--port <port>',
      '--host <host>',
      '--token <token>',
      '--data-dir <dir>',
      '--database <url>',
      '--concurrency <n>',
      '--lease-timeout <ms>',
      '--json',
      '-h, --help',
    ]) {
      assert.ok(viaFlag.stdout.includes(flag), `${flag} in:\n${viaFlag.stdout}`);
    }
    const submit = await cli(['submit', '-h']);
    assert.match(submit.stdout, /^Usage: warden submit <kind> \[json-input\] \[flags\]/);
    assert.equal((await cli(['help', 'nope'])).code, 2);
  });

  test('--version prints the package version', async () => {
    const { version } = JSON.parse(
      readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
    );
    assert.deepEqual(await cli(['--version']), {
      code: 0,
      stdout: `warden ${version}\n`,
      stderr: '',
    });
  });
});

describe('checks before anything opens', () => {
  test('serve on a non-loopback host without a token: TokenRequiredError, exit 1', async () => {
    const { code, stderr } = await cli(['serve', '--host', '0.0.0.0']);
    assert.equal(code, 1);
    assert.match(stderr, /^warden serve: WARDEN_ERR_TOKEN_REQUIRED: Listening on 0\.0\.0\.0 /);
  });

  test('a client command against a closed port: ServerUnreachableError, exit 1', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    for (const argv of [['ls'], ['submit', 'k'], ['cancel', 'x'], ['events', 'x']]) {
      const { code, stderr } = await cli([...argv, '--url', url]);
      assert.equal(code, 1, `${argv}: ${stderr}`);
      assert.equal(
        stderr,
        `warden ${argv[0]}: WARDEN_ERR_SERVER_UNREACHABLE: Cannot reach the Warden server at ${url}: connect ECONNREFUSED ${url.slice(7)}\n`,
      );
    }
  });

  test('WARDEN_URL and WARDEN_TOKEN are read when the flags are not given', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await cli(['ls'], { WARDEN_URL: url, WARDEN_TOKEN: 't' });
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`at ${url.replace(/\./g, '\\.')}:`));
  });
});
