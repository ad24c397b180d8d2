// A temporary directory where doc blocks become files that `node --import tsx` runs and `tsc`
// checks, with `warden`, `warden/postgres` and `warden/http` resolved to the source through
// tsconfig `paths` (tsx honours them too), so a block's file is exactly the block's text: the
// imports a reader copies are the ones that run.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DocFile } from './doc-files.js';
import { REPO_ROOT } from './doc-files.js';
import type { FencedBlock } from './markdown.js';

/** The package entry points a block may import, and the source files they resolve to. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  warden: 'src/index.ts',
  'warden/postgres': 'src/postgres/index.ts',
  'warden/http': 'src/http/index.ts',
};

/** A block written out as a file of the workspace. */
export interface BlockFile {
  /** `README.md:58`: where the block is. */
  readonly label: string;
  /** The file's directory (a run's working directory). */
  readonly dir: string;
  /** The file's absolute path. */
  readonly path: string;
  /** Line n of the file is line n + offset of the Markdown file. */
  readonly offset: number;
}

/** The temporary directory and what was written to it. */
export class Workspace {
  readonly root: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'warden-docs-'));
    // Blocks import pg, express… as a reader's project would: from node_modules.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(this.root, 'node_modules'), 'dir');
    writeFileSync(join(this.root, 'package.json'), '{ "type": "module", "private": true }\n');
    writeFileSync(join(this.root, 'tsconfig.json'), `${JSON.stringify(tsconfig(), null, 2)}\n`);
  }

  /**
   * Write `block` of `doc` as a module: its text as it is, after `prelude` (a fragment's
   * declarations, on the first line) when there is one.
   */
  write(doc: DocFile, block: FencedBlock, lang: 'ts' | 'js', prelude = ''): BlockFile {
    const name = `${doc.path.replaceAll('/', '_')}-${block.line}`;
    const dir = join(this.root, 'blocks', name);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, lang === 'ts' ? 'main.ts' : 'main.mjs');
    const head = prelude === '' ? '' : `${prelude}\n`;
    writeFileSync(path, head + block.code);
    return {
      label: `${doc.path}:${block.line}`,
      dir,
      path,
      offset: block.line - (head === '' ? 0 : 1),
    };
  }

  /** Remove the directory. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The project's compiler options, checking blocks as strictly as the project's own code. */
function tsconfig(): unknown {
  const project = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as {
    compilerOptions: Record<string, unknown>;
  };
  const { outDir, rootDir, declaration, sourceMap, ...options } = project.compilerOptions;
  const paths = Object.fromEntries(
    Object.entries(ENTRY_POINTS).map(([specifier, file]) => [specifier, [join(REPO_ROOT, file)]]),
  );
  return {
    compilerOptions: {
      ...options,
      noEmit: true,
      // Every block is a module of its own, even one with no import: no names shared between them.
      moduleDetection: 'force',
      allowJs: true,
      checkJs: true,
      paths,
    },
    include: ['blocks'],
  };
}
