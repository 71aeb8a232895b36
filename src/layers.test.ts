/**
 * Imports go one way: cli -> engine -> play -> roles / inventory -> ops -> shell. This test reads
 * the import statements of every source file under src/ (tests excluded) and checks the rules
 * that keep the layers apart, and that no files (and no folders) import each other in a circle.
 * A failure names the files and the rule, so a new import that climbs back up is caught here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from './paths.js';

const SRC = path.join(projectRoot(), 'src');

function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

// `import ... from './x.js'`, `export ... from`, the `} from` line of a multi-line import,
// `import './x.js'` and `import('./x.js')`: the relative ones, which are this project's files.
const STATIC = /^\s*(?:import|export|\})[^'"]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/;
const BARE = /^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/;
const DYNAMIC = /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Imports of every file, as paths relative to src/ ("engine/run.ts" -> ["model.ts", ...]). */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const specs: string[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = STATIC.exec(line) ?? BARE.exec(line);
      if (m) specs.push(m[1]!);
      for (const d of line.matchAll(DYNAMIC)) specs.push(d[1]!);
    }
    const rel = (p: string) => path.relative(SRC, p).split(path.sep).join('/');
    graph.set(
      rel(file),
      specs.map((s) => rel(path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')))),
    );
  }
  return graph;
}

/** "engine" for "engine/run.ts", "model.ts" for a file at the top of src/. */
const area = (f: string) => f.split('/')[0]!;

/** [from, to, why]: no file of area `from` may import a file of area `to`. */
const NEVER: [string[], string[], string][] = [
  [
    ['ops', 'lab', 'yaml', 'inventory', 'roles', 'play', 'spec', 'model.ts', 'template', 'expr', 'shell', 'transport', 'db', 'vault', 'state'],
    ['engine'],
    'the engine uses these, never the other way',
  ],
  [['roles'], ['inventory'], 'roles and inventories load apart; src/play joins them'],
  [['inventory'], ['roles'], 'roles and inventories load apart; src/play joins them'],
  [['engine', 'lab', 'play', 'inventory', 'roles', 'ops'], ['cli'], 'the command line is the top'],
  [['engine'], ['lab'], 'the CLI boots lab hosts, not the engine'],
  [['yaml'], ['vault'], 'the YAML reader decrypts through the function it is given'],
  [['ops'], ['roles', 'inventory', 'play'], 'operations know nothing of where their arguments come from'],
];

describe('imports go one way', () => {
  const graph = importGraph();

  it('reads the project: many files, many imports (the parser finds them)', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(graph.get('engine/run.ts')).toContain('model.ts');
    expect(graph.get('cli/commands/index.ts')).toContain('cli/commands/apply.ts'); // dynamic import()
  });

  it.each(NEVER)('%j never imports %j (%s)', (from, to) => {
    const bad = [...graph].flatMap(([f, deps]) => (from.includes(area(f)) ? deps.filter((d) => to.includes(area(d))).map((d) => `${f} -> ${d}`) : []));
    expect(bad).toEqual([]);
  });

  it('model.ts imports only the shared specs and errors', () => {
    expect(graph.get('model.ts')!.filter((d) => !['spec', 'errors.ts'].includes(area(d)))).toEqual([]);
  });

  it('no files import each other in a circle', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('no folders import each other in a circle', () => {
    const folders = new Map<string, string[]>();
    for (const [f, deps] of graph) folders.set(area(f), [...new Set([...(folders.get(area(f)) ?? []), ...deps.map(area).filter((a) => a !== area(f))])]);
    expect(circles(folders)).toEqual([]);
  });
});

/** Every strongly connected group of more than one node (Tarjan), each as a sorted list. */
export function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

describe('circles()', () => {
  it('finds a circle and ignores a chain', () => {
    expect(
      circles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
    expect(
      circles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
        ]),
      ),
    ).toEqual([]);
  });
});
