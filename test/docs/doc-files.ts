// The user documentation the docs tests read: README.md and every docs/*.md, with their text.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One documentation file. */
export interface DocFile {
  /** Its path from the repository root, with `/` separators: `README.md`, `docs/http.md`. */
  readonly path: string;
  /** Its text. */
  readonly text: string;
}

/** README.md and docs/*.md, in a stable order. */
export function docFiles(): DocFile[] {
  const docs = readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].map((path) => ({
    path,
    text: readFileSync(join(REPO_ROOT, path), 'utf8'),
  }));
}
