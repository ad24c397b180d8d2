// What the docs test does with each fenced block, decided from its language and its marker (the
// HTML comment on the line before it; see code-blocks.test.ts for the convention). Anything the
// test cannot place (an unknown language, an unlabelled fence, a comment that is not a marker)
// is an error, so no block is ever passed over without saying so.

import type { FencedBlock } from './markdown.js';

/** Languages whose blocks are code: run, or type-checked when marked as fragments. */
const CODE_LANGS: Readonly<Record<string, 'ts' | 'js'>> = {
  ts: 'ts',
  typescript: 'ts',
  js: 'js',
  javascript: 'js',
  mjs: 'js',
};

/** Languages that are not code to run: commands, output, configuration. */
const TEXT_LANGS: ReadonlySet<string> = new Set(['sh', 'bash', 'text', 'http', 'yaml']);

/** How a runnable block is run. */
export interface RunOptions {
  /**
   * The block is a service that runs until it is stopped: the test waits for its first line of
   * stdout, sends SIGTERM, and expects it to exit 0 by itself.
   */
  readonly service: boolean;
  /** The block needs PostgreSQL: DATABASE_URL names a fresh, empty database. */
  readonly postgres: boolean;
}

/** What to do with a block. */
export type BlockPlan =
  | { readonly kind: 'run'; readonly lang: 'ts' | 'js'; readonly run: RunOptions }
  | { readonly kind: 'fragment'; readonly lang: 'ts' | 'js'; readonly prelude: string }
  | { readonly kind: 'json' }
  | { readonly kind: 'text' }
  | { readonly kind: 'error'; readonly problem: string };

const RUN_OPTIONS: ReadonlySet<string> = new Set(['service', 'postgres']);

/** Decide what to do with `block`. */
export function planBlock(block: FencedBlock): BlockPlan {
  const { lang, marker } = block;
  const code = CODE_LANGS[lang];
  if (code === undefined) {
    if (marker !== undefined) return error(`a marker (<!-- ${marker} -->) on a '${lang}' block`);
    if (lang === 'json') return { kind: 'json' };
    if (TEXT_LANGS.has(lang)) return { kind: 'text' };
    if (lang === '') return error("a fence without a language: label it (output is 'text')");
    return error(`unknown language '${lang}' (code: ${Object.keys(CODE_LANGS).join(', ')})`);
  }
  if (marker === undefined) return { kind: 'run', lang: code, run: runOptions([]) };
  const fragment = /^fragment(?::\s*([\s\S]*))?$/.exec(marker);
  if (fragment !== null) return { kind: 'fragment', lang: code, prelude: fragment[1] ?? '' };
  const run = /^run:\s*(.+)$/.exec(marker);
  if (run !== null) {
    const options = (run[1] as string).split(',').map((option) => option.trim());
    const unknown = options.filter((option) => !RUN_OPTIONS.has(option));
    if (unknown.length > 0) return error(`unknown run option(s) ${unknown.join(', ')}`);
    return { kind: 'run', lang: code, run: runOptions(options) };
  }
  return error(`<!-- ${marker} --> is not a marker (fragment, fragment: …, run: …)`);
}

function runOptions(options: readonly string[]): RunOptions {
  return { service: options.includes('service'), postgres: options.includes('postgres') };
}

function error(problem: string): BlockPlan {
  return { kind: 'error', problem };
}
