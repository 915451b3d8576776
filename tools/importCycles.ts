/**
 * Import circles inside one folder tree (a package's `src/`): every relative `import`,
 * `import type`, `export … from` and dynamic `import('…')` with a literal path, resolved the
 * way the build resolves them (`./x` → `x.ts` or `x/index.ts`; `./x.js` → `x.ts`). Imports of
 * packages are not followed: only circles among the tree's own files are reported. Type-only
 * imports count too: a circle of types still ties the files' concepts together.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SOURCE = /\.(ts|mts|cts|tsx)$/;
/** Static imports and re-exports (`from '…'`, bare `import '…'`) and dynamic `import('…')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]*)\1/g;

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourcesUnder(path);
    return SOURCE.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function resolveImport(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${stem}.tsx`, join(base, 'index.ts')];
  return candidates.find((path) => existsSync(path) && statSync(path).isFile());
}

/** The files each source file under `dir` imports by a relative path, inside `dir`. */
export function importGraph(dir: string): Map<string, string[]> {
  const root = resolve(dir);
  const files = sourcesUnder(root);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    // Comments may quote an import; they are not imports.
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const targets = new Set<string>();
    for (const match of code.matchAll(SPECIFIER)) {
      const target = resolveImport(file, match[2]!);
      if (target !== undefined && !relative(root, target).startsWith('..')) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/**
 * Every import circle among the source files under `dir`, each as the list of its files
 * (relative to `dir`), the first repeated at the end: `['a.ts', 'b.ts', 'a.ts']`. One circle
 * per strongly connected group of files; empty when there is none.
 */
export function importCycles(dir: string): string[][] {
  const graph = importGraph(dir);
  const root = resolve(dir);
  // Tarjan's strongly connected components, iteratively (deep trees stay off the call stack).
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ node: string; edge: number }> = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work.at(-1)!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const target = edges[frame.edge++]!;
        if (!index.has(target)) {
          index.set(target, next);
          low.set(target, next++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, edge: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work.at(-1);
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const group: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          group.push(member);
        } while (member !== frame.node);
        const selfImport = (graph.get(frame.node) ?? []).includes(frame.node);
        if (group.length > 1 || selfImport) groups.push(group);
      }
    }
  }
  return groups.map((group) => cycleThrough(graph, new Set(group)).map((file) => relative(root, file)));
}

/** One circle through the files of a strongly connected group, found by a breadth-first search. */
function cycleThrough(graph: Map<string, string[]>, group: ReadonlySet<string>): string[] {
  const start = [...group].sort()[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const target of graph.get(node) ?? []) {
      if (!group.has(target)) continue;
      if (target === start) {
        const path = [start];
        for (let at = node; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  throw new Error(`no circle through ${start}, though its group is strongly connected`);
}
