import { describe, expect, it } from 'vitest';
import type { InputIssue } from '../errors.js';
import { parseYaml } from '../yaml/parse.js';
import { buildGroupGraph } from './groups.js';
import type { GroupEntry } from './schema.js';

function graphOf(groups: Record<string, GroupEntry>, hosts: string[]) {
  const doc = parseYaml(JSON.stringify({ hosts: Object.fromEntries(hosts.map((h) => [h, {}])), groups }), { file: 'inventory.yaml' });
  const issues: InputIssue[] = [];
  const graph = buildGroupGraph(new Map(Object.entries(groups)), hosts, doc, issues);
  return { graph, issues };
}

describe('buildGroupGraph', () => {
  it("orders a host's groups by depth (deepest parent decides), then by declaration", () => {
    // z is declared first but is a child of x, which is itself a child of b.
    const { graph, issues } = graphOf({ z: { hosts: ['h1'] }, a: { children: ['z'] }, b: { children: ['x'] }, x: { children: ['z'] }, solo: { hosts: ['h1', 'h2'] } }, ['h1', 'h2']);
    expect(issues).toEqual([]);
    expect(graph.groupsOf('h1')).toEqual(['all', 'a', 'b', 'solo', 'x', 'z']);
    expect(graph.groupsOf('h2')).toEqual(['all', 'solo']);
    expect(graph.members.get('b')).toEqual(['h1']);
    expect(graph.members.get('all')).toEqual(['h1', 'h2']);
  });

  it('lists members in inventory host order, once', () => {
    const { graph } = graphOf({ g: { hosts: ['h3', 'h1'], children: ['k'] }, k: { hosts: ['h2', 'h1'] } }, ['h1', 'h2', 'h3']);
    expect(graph.members.get('g')).toEqual(['h1', 'h2', 'h3']);
  });

  it('reports cycles and still terminates', () => {
    const { graph, issues } = graphOf({ a: { children: ['b'], hosts: ['h1'] }, b: { children: ['a'] } }, ['h1']);
    expect(issues.map((i) => i.message)).toEqual(['Group cycle: a -> b -> a']);
    expect(graph.members.get('b')).toEqual(['h1']);
  });

  it('refuses hosts or children on "all"', () => {
    const { issues } = graphOf({ all: { hosts: ['h1'] } }, ['h1']);
    expect(issues.map((i) => i.message)).toEqual(['Group "all" always holds every host; it takes only "roles" and "vars"']);
  });
});
