/**
 * The structured logger Warden writes to: the subset of pino's interface it uses, so a pino
 * logger (or anything shaped like it) can be passed straight in.
 *
 * @module
 */

import { checkOptionKeys, type OptionKeys, optionKeys } from '../internal/option-keys.js';

/** One log method: `(fields, message)` or `(message)`, as pino's. */
export interface LogFn {
  (fields: Record<string, unknown>, message?: string): void;
  (message: string): void;
}

/**
 * A structured logger. `pino()` satisfies it, and so does {@link createConsoleLogger}.
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const scope = new Scope({ logger: pino() });
 * ```
 */
export interface Logger {
  /** Something is broken and needs a person. */
  error: LogFn;
  /** Something unexpected that Warden handled. */
  warn: LogFn;
  /** Lifecycle milestones. */
  info: LogFn;
  /** Detail for debugging. */
  debug: LogFn;
  /** A logger that adds `bindings` to every entry. */
  child(bindings: Record<string, unknown>): Logger;
}

/** Log levels in pino's numbering, for {@link createConsoleLogger}. */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** Options for {@link createConsoleLogger}. */
export interface ConsoleLoggerOptions {
  /**
   * The least severe level written.
   * @default process.env.WARDEN_LOG_LEVEL, else 'info'
   */
  level?: keyof typeof LEVELS | 'silent';
  /**
   * Where lines go.
   * @default process.stderr
   */
  stream?: { write(line: string): unknown };
  /** Fields added to every line. @default {} */
  bindings?: Record<string, unknown>;
}

const consoleLoggerOptionKeys = optionKeys(['level', 'stream', 'bindings']) satisfies OptionKeys<
  keyof ConsoleLoggerOptions
>;

/**
 * The default logger: one JSON object per line (pino's format: `level`, `time`, `msg`, fields)
 * on stderr, so `pino-pretty` and log shippers read it as they read pino.
 *
 * @example
 * ```ts
 * const logger = createConsoleLogger({ level: 'debug' });
 * logger.info({ task: 'sync' }, 'started');
 * ```
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  checkOptionKeys(options, consoleLoggerOptionKeys, 'createConsoleLogger');
  const levelName = options.level ?? envLevel() ?? 'info';
  const threshold = levelName === 'silent' ? Number.POSITIVE_INFINITY : LEVELS[levelName];
  const stream = options.stream ?? process.stderr;
  const bindings = options.bindings ?? {};

  const method =
    (level: keyof typeof LEVELS): LogFn =>
    (fieldsOrMessage: Record<string, unknown> | string, message?: string): void => {
      if (LEVELS[level] < threshold) return;
      const fields = typeof fieldsOrMessage === 'string' ? {} : fieldsOrMessage;
      const msg = typeof fieldsOrMessage === 'string' ? fieldsOrMessage : message;
      const entry = {
        level: LEVELS[level],
        time: Date.now(),
        ...bindings,
        ...serialise(fields),
        msg,
      };
      stream.write(`${JSON.stringify(entry)}\n`);
    };

  return {
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    child: (more) => createConsoleLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}

function envLevel(): ConsoleLoggerOptions['level'] | undefined {
  const value = process.env.WARDEN_LOG_LEVEL;
  return value === 'debug' ||
    value === 'info' ||
    value === 'warn' ||
    value === 'error' ||
    value === 'silent'
    ? value
    : undefined;
}

// Errors do not survive JSON.stringify; write them as pino's err serialiser does.
function serialise(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? serialiseError(value) : value;
  }
  return out;
}

function serialiseError(error: Error): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.name,
    message: error.message,
    stack: error.stack,
  };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (error.cause instanceof Error) out.cause = serialiseError(error.cause);
  if (error instanceof AggregateError) {
    out.errors = error.errors.map((e: unknown) => (e instanceof Error ? serialiseError(e) : e));
  }
  return out;
}
