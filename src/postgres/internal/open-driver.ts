// Open the driver the options ask for: `pg` for a connection string, PGlite otherwise.

import type { Logger } from '../../observe/logger.js';
import type { SqlDriver } from '../driver.js';
import { type ConnectionOptions, postgresBackendDefaults } from '../options.js';
import { openPgDriver } from './pg-driver.js';
import { openPgliteDriver } from './pglite-driver.js';

/** Open the driver for `options` (already validated). */
export function openDriver(
  options: ConnectionOptions,
  logger: Logger,
  name: string,
): Promise<SqlDriver> {
  if (options.pglite !== undefined) return openPgliteDriver(options.pglite);
  return openPgDriver({
    connectionString: options.connectionString,
    poolSize: options.poolSize ?? postgresBackendDefaults.poolSize,
    poolConfig: options.poolConfig,
    logger,
    name,
  });
}
