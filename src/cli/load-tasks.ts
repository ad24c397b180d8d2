/**
 * Load the `--tasks` modules and check what they export, so that `serve` and `worker` can define
 * their kinds on a coordinator. Every problem is a `TaskModuleError` naming the module.
 *
 * @module
 */

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TaskDefinition } from '../coordinator/task-context.js';
import type { TaskCoordinator } from '../coordinator/task-coordinator.js';
import { TaskModuleError } from './errors.js';

/** One kind found in a module, checked. */
export interface LoadedKind {
  /** The kind's name (its key in the module's export). */
  readonly kind: string;
  /** The definition. */
  readonly run: TaskDefinition;
  /** Its default time limit, if it set one. */
  readonly timeout: number | undefined;
  /** The module it came from (resolved path). */
  readonly modulePath: string;
}

/**
 * Import each module (paths relative to `cwd`) and collect its kinds, in order. Throws
 * `TaskModuleError` when a module is missing, throws while loading, exports neither `tasks` nor
 * a default export, exports something that is not an object of definitions, or defines a kind
 * another module defined too.
 *
 * @example
 * ```ts
 * const kinds = await loadTaskModules(['examples/tasks.ts']);
 * defineKinds(coordinator, kinds);
 * ```
 */
export async function loadTaskModules(
  specifiers: readonly string[],
  cwd = process.cwd(),
): Promise<LoadedKind[]> {
  const kinds: LoadedKind[] = [];
  const seen = new Map<string, string>();
  for (const specifier of specifiers) {
    for (const loaded of await loadTaskModule(specifier, cwd)) {
      const other = seen.get(loaded.kind);
      if (other !== undefined) {
        throw new TaskModuleError(
          loaded.modulePath,
          `kind '${loaded.kind}' is already defined by ${other}`,
        );
      }
      seen.set(loaded.kind, loaded.modulePath);
      kinds.push(loaded);
    }
  }
  return kinds;
}

/** Import one module and check its export. */
async function loadTaskModule(specifier: string, cwd: string): Promise<LoadedKind[]> {
  const modulePath = specifier.startsWith('file:')
    ? fileURLToPath(specifier)
    : resolve(cwd, specifier);
  if (!existsSync(modulePath) || !statSync(modulePath).isFile()) {
    throw new TaskModuleError(modulePath, 'not found');
  }
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TaskModuleError(modulePath, `failed to load: ${message}`, error);
  }
  const exported = namespace.tasks ?? namespace.default;
  if (exported === undefined) {
    throw new TaskModuleError(
      modulePath,
      'exports no task definitions: export `tasks` (or a default export), an object mapping each kind to (ctx) => result or { run, timeout }',
    );
  }
  const from = namespace.tasks === undefined ? 'the default export' : '`tasks`';
  if (typeof exported !== 'object' || exported === null || Array.isArray(exported)) {
    throw new TaskModuleError(
      modulePath,
      `${from} must be an object mapping each kind to (ctx) => result or { run, timeout }, got ${describe(exported)}`,
    );
  }
  const entries = Object.entries(exported);
  if (entries.length === 0) throw new TaskModuleError(modulePath, `${from} defines no kinds`);
  return entries.map(([kind, value]) => checkKind(modulePath, kind, value));
}

/** Check one entry: a function, or `{ run, timeout? }` and nothing else. */
function checkKind(modulePath: string, kind: string, value: unknown): LoadedKind {
  const at = `kind '${kind}'`;
  if (typeof value === 'function') {
    return { kind, run: value as TaskDefinition, timeout: undefined, modulePath };
  }
  if (typeof value !== 'object' || value === null) {
    throw new TaskModuleError(
      modulePath,
      `${at} must be (ctx) => result or { run, timeout }, got ${describe(value)}`,
    );
  }
  const { run, timeout, ...rest } = value as { run?: unknown; timeout?: unknown };
  const unknownKeys = Object.keys(rest);
  if (unknownKeys.length > 0) {
    throw new TaskModuleError(
      modulePath,
      `${at} has unknown setting(s) ${unknownKeys.join(', ')}: only run and timeout are allowed`,
    );
  }
  if (typeof run !== 'function') {
    throw new TaskModuleError(modulePath, `${at}: run must be a function, got ${describe(run)}`);
  }
  if (
    timeout !== undefined &&
    (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)
  ) {
    throw new TaskModuleError(
      modulePath,
      `${at}: timeout must be a positive number of ms, got ${describe(timeout)}`,
    );
  }
  return { kind, run: run as TaskDefinition, timeout, modulePath };
}

/**
 * Define every kind on `coordinator`. A kind the coordinator refuses (a malformed name) is a
 * `TaskModuleError` naming its module.
 */
export function defineKinds(coordinator: TaskCoordinator, kinds: readonly LoadedKind[]): void {
  for (const { kind, run, timeout, modulePath } of kinds) {
    try {
      coordinator.define(kind, run, timeout === undefined ? {} : { timeout });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new TaskModuleError(modulePath, `kind '${kind}' cannot be defined: ${message}`, error);
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}
