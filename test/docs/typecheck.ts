// Type-check every block file of a workspace in one `tsc` run (one program is much faster than
// one per block), and hand each block the diagnostics of its own file, with line numbers of the
// Markdown file it came from.

import { execFile } from 'node:child_process';
import { join, relative } from 'node:path';
import { REPO_ROOT } from './doc-files.js';
import type { BlockFile, Workspace } from './workspace.js';

/** The diagnostics of one `tsc` run, by file. */
export interface TypecheckResult {
  /** The diagnostics of `file`, as `README.md:60:7 error TS2304: …`. */
  diagnosticsOf(file: BlockFile): string[];
  /** Diagnostics in files that are not blocks (the sources, say): should be none. */
  readonly elsewhere: string[];
}

const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const DIAGNOSTIC = /^(.+?)\((\d+),(\d+)\): (.*)$/;

/** Run `tsc` over `workspace` once every block has been written to it. */
export async function typecheck(workspace: Workspace, timeout = 120_000): Promise<TypecheckResult> {
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [TSC, '-p', join(workspace.root, 'tsconfig.json'), '--pretty', 'false'],
      { cwd: workspace.root, timeout, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        // tsc exits 2 when it found errors: those are the result, not a failure to run.
        if (error !== null && error.code !== 2)
          reject(new Error(`tsc: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
  const byFile = new Map<string, Array<{ line: number; column: number; text: string }>>();
  const elsewhere: string[] = [];
  let last: { text: string } | undefined;
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const match = DIAGNOSTIC.exec(line);
    if (match === null) {
      // A continuation line of the message above (an elaboration of a type error).
      if (last !== undefined) last.text += `\n${line}`;
      else elsewhere.push(line);
      continue;
    }
    const path = join(workspace.root, match[1] as string);
    const diagnostic = {
      line: Number(match[2]),
      column: Number(match[3]),
      text: match[4] as string,
    };
    const list = byFile.get(path) ?? [];
    list.push(diagnostic);
    byFile.set(path, list);
    last = diagnostic;
  }
  const blockRoot = join(workspace.root, 'blocks');
  for (const [path, list] of byFile) {
    if (relative(blockRoot, path).startsWith('..')) {
      for (const d of list) elsewhere.push(`${path}:${d.line}:${d.column} ${d.text}`);
    }
  }
  return {
    elsewhere,
    diagnosticsOf(file) {
      const [doc] = file.label.split(':');
      return (byFile.get(file.path) ?? []).map(
        (d) => `${doc}:${d.line + file.offset}:${d.column} ${d.text}`,
      );
    },
  };
}
