/**
 * The database flags of `serve`, `worker` and `migrate` (`--database`, `--data-dir`,
 * `--schema`): which PostgreSQL, or which embedded directory, and which schema.
 *
 * @module
 */

import { resolve } from 'node:path';
import type { ConnectionOptions } from '../postgres/options.js';
import { stringFlag } from './args.js';
import type { FlagSpecs, ParsedArgs } from './command.js';
import { UsageError } from './errors.js';

/** The default directory of the embedded database. */
export const DEFAULT_DATA_DIR = '.warden';

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,47}$/;

/** `--database`, `--schema` and, where an embedded database makes sense, `--data-dir`. */
export function databaseFlags(embedded: boolean): FlagSpecs {
  return {
    database: {
      type: 'string',
      value: '<url>',
      description: embedded
        ? 'PostgreSQL to use instead of the embedded database: postgres://user@host:5432/db (env WARDEN_DATABASE_URL)'
        : 'PostgreSQL to use: postgres://user@host:5432/db (env WARDEN_DATABASE_URL; required)',
    },
    ...(embedded
      ? {
          'data-dir': {
            type: 'string',
            value: '<dir>',
            description: `Directory of the embedded database (PGlite) (default ./${DEFAULT_DATA_DIR})`,
          },
        }
      : {}),
    schema: {
      type: 'string',
      value: '<name>',
      description:
        'Postgres schema of the queue; processes sharing one share the queue (default warden)',
    },
  } satisfies FlagSpecs;
}

/** Where the database is, as the flags said. */
export interface DatabaseChoice {
  /** Backend connection options: a connection string, or PGlite on a directory. */
  readonly connection: ConnectionOptions;
  /** The schema. */
  readonly schema: string;
  /** For people: the URL without its password, or `PGlite in <dir>`. */
  readonly description: string;
  /** The embedded directory (PGlite), if that is the choice. */
  readonly dataDir: string | undefined;
}

/**
 * Read the database flags: `--database` (or `WARDEN_DATABASE_URL`) for a server; otherwise, when
 * `embedded` is allowed, PGlite in `--data-dir` (default `./.warden`). Throws `UsageError` for a
 * malformed URL or schema, both `--database` and `--data-dir`, or no database where one is needed.
 *
 * @example
 * ```ts
 * const { connection, schema } = chooseDatabase(args, process.env, { embedded: true, command: 'serve' });
 * ```
 */
export function chooseDatabase(
  args: ParsedArgs,
  env: Readonly<Record<string, string | undefined>>,
  { embedded, command }: { embedded: boolean; command: string },
): DatabaseChoice {
  const schema = stringFlag(args, 'schema') ?? 'warden';
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new UsageError(
      `--schema must be a lowercase identifier (letters, digits, _; at most 48), got '${schema}'`,
    );
  }
  const flagUrl = stringFlag(args, 'database');
  const dataDirFlag = embedded ? stringFlag(args, 'data-dir') : undefined;
  if (flagUrl !== undefined && dataDirFlag !== undefined) {
    throw new UsageError('give --database or --data-dir, not both');
  }
  // An explicit --data-dir wins over the environment's database.
  const url =
    flagUrl ?? (dataDirFlag === undefined ? env.WARDEN_DATABASE_URL || undefined : undefined);
  if (url !== undefined) {
    return {
      connection: { connectionString: url },
      schema,
      description: safeUrl(url),
      dataDir: undefined,
    };
  }
  if (!embedded) {
    throw new UsageError(
      `${command} needs --database postgres://… (or WARDEN_DATABASE_URL): an embedded database cannot be shared between processes`,
    );
  }
  const dataDir = resolve(dataDirFlag ?? DEFAULT_DATA_DIR);
  return {
    connection: { pglite: { dataDir } },
    schema,
    description: `PGlite in ${dataDir}`,
    dataDir,
  };
}

/** `url` checked, with its password replaced by `***`. */
function safeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: a URL that does not parse may still hold a password.
    throw new UsageError(
      '--database must be a postgres:// URL, and this one does not parse (percent-encode special characters in the password)',
    );
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new UsageError(`--database must be a postgres:// URL, got '${parsed.protocol}//…'`);
  }
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
