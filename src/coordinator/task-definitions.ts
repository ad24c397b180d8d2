/**
 * The shape of a task-definition module, the file `warden serve|worker --tasks` loads.
 *
 * @module
 */

import type { TaskDefinition } from './task-context.js';

/**
 * Any task definition, whatever its input and result types. The input is `any` on purpose: a
 * definition typed for its own input fits, and an untyped one written inline gets an input it
 * can read (`ctx.input.name`) — the input is whatever JSON a client submitted.
 */
// biome-ignore lint/suspicious/noExplicitAny: each kind has its own input type; see above.
export type AnyTaskDefinition = TaskDefinition<any, unknown>;

/**
 * A kind with settings: its definition and its default time limit.
 *
 * @example
 * ```ts
 * const thumbnail: TaskKindDefinition = { run: (ctx) => makeThumbnail(ctx.input), timeout: 30_000 };
 * ```
 */
export interface TaskKindDefinition {
  /** The task: `(ctx) => result`. */
  readonly run: AnyTaskDefinition;
  /** The default time limit of tasks of this kind, in ms (a start may set its own). */
  readonly timeout?: number;
}

/**
 * What a `--tasks` module exports, as `tasks` or as its default export: task kinds by name,
 * each a definition `(ctx) => result` or `{ run, timeout? }`.
 *
 * @example
 * ```ts
 * // tasks.ts — warden serve --tasks tasks.ts
 * import { sleep, type TaskDefinitions } from 'warden';
 * export const tasks = {
 *   hello: async (ctx) => `hello, ${ctx.input.name}`,
 *   slow: { run: async (ctx) => sleep(5_000, ctx.token), timeout: 10_000 },
 * } satisfies TaskDefinitions;
 * ```
 */
export type TaskDefinitions = Readonly<Record<string, AnyTaskDefinition | TaskKindDefinition>>;
