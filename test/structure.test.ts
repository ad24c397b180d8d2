// The shape of src/: no import cycles (type-only imports included), and imports only downward
// through the layers: the foundation (errors.ts, internal/, observe/), then cancel/, task/,
// lifecycle/, backend/, then postgres/ and coordinator/ (which never import each other), http/,
// cli/. The core entry point (index.ts) exports no driver-heavy layer: not postgres/, http/ or
// cli/. The checker is tested on a small graph of its own first, so a broken checker fails too.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Each top-level entry of src/ (a folder, or a file without its extension) and its rank. */
const RANKS: Readonly<Record<string, number>> = {
  errors: 0,
  internal: 0,
  observe: 0,
  cancel: 1,
  task: 2,
  lifecycle: 3,
  backend: 4,
  postgres: 5,
  coordinator: 5,
  http: 6,
  cli: 7,
};
/** What the core entry point may import: everything but the layers with subpath exports. */
const CORE_ENTRY_EXCLUDES = new Set(['postgres', 'http', 'cli']);

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/g;

/** Every module of src/ (path relative to src/, `.ts`) and the src/ modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const files = readdirSync(SRC, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith('.ts'));
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    const imports: string[] = [];
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2];
      if (specifier === undefined) continue;
      const target = normalize(join(dirname(file), specifier)).replace(/\.js$/, '.ts');
      if (!target.startsWith('..')) imports.push(target);
    }
    graph.set(file, imports);
  }
  return graph;
}

/** The cycles of `graph` (its strongly connected components of more than one module, or a self-import). */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, index.get(to) as number));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component);
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/** The layer of a module: its top-level folder, or its file name for a module at the top. */
function layerOf(module: string): string {
  return (module.split('/')[0] as string).replace(/\.ts$/, '');
}

/** The imports of `graph` that go up (or sideways between two layers of one rank). */
function wrongWay(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const wrong: string[] = [];
  for (const [from, imports] of graph) {
    const fromLayer = layerOf(from);
    for (const to of imports) {
      const toLayer = layerOf(to);
      if (toLayer === fromLayer) continue;
      if (fromLayer === 'index') {
        if (CORE_ENTRY_EXCLUDES.has(toLayer)) wrong.push(`${from} -> ${to}`);
        continue;
      }
      const fromRank = RANKS[fromLayer];
      const toRank = RANKS[toLayer];
      if (fromRank === undefined || toRank === undefined) {
        wrong.push(`${from} -> ${to} (a layer the structure test does not know)`);
      } else if (toRank > fromRank || (toRank === fromRank && toRank > 0)) {
        wrong.push(`${from} -> ${to}`);
      }
    }
  }
  return wrong;
}

describe('the structure of src/', () => {
  test('the checker finds a cycle and an upward import in a graph made to have them', () => {
    const graph = new Map([
      ['task/a.ts', ['task/b.ts', 'cancel/c.ts']],
      ['task/b.ts', ['task/a.ts']],
      ['cancel/c.ts', ['task/a.ts']],
      ['http/d.ts', ['postgres/e.ts']],
      ['postgres/e.ts', ['coordinator/f.ts']],
      ['coordinator/f.ts', []],
    ]);
    assert.deepEqual(
      cyclesOf(graph).map((cycle) => [...cycle].sort()),
      [['cancel/c.ts', 'task/a.ts', 'task/b.ts']],
    );
    assert.deepEqual(wrongWay(graph), [
      'cancel/c.ts -> task/a.ts',
      'postgres/e.ts -> coordinator/f.ts',
    ]);
  });

  const graph = importGraph();

  test('src/ is read whole', () => {
    assert.ok(graph.size > 100, `${graph.size} modules`);
    assert.ok(graph.has('index.ts'));
    assert.ok((graph.get('index.ts')?.length ?? 0) > 10);
  });

  test('no import cycles, type-only imports included', () => {
    assert.deepEqual(cyclesOf(graph), []);
  });

  test('imports go only downward through the layers', () => {
    assert.deepEqual(wrongWay(graph), []);
  });

  test('every module of src/ belongs to a known layer', () => {
    const unknown = [...graph.keys()]
      .map(layerOf)
      .filter((layer) => layer !== 'index' && RANKS[layer] === undefined);
    assert.deepEqual([...new Set(unknown)], [], relative(process.cwd(), SRC));
  });
});
