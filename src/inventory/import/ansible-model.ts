/**
 * An Ansible inventory as Ansible's own InventoryData holds it (groups and hosts in creation
 * order, `all` and `ungrouped` implicit, children, vars with where they were set), built by the
 * INI and YAML readers, and Ansible's rules for what a host ends up with: its groups (ancestors
 * included), their order (depth, then ansible_group_priority, then name), and the merge of their
 * vars under the host's own (inventory file < group_vars/ files, groups < hosts).
 */

export interface Where {
  file: string;
  line: number;
}

export interface ImportIssue {
  where: Where;
  message: string;
}

export interface AnsibleGroup {
  name: string;
  hosts: string[];
  children: string[];
  /** Vars set in the inventory file. */
  vars: Record<string, unknown>;
  /** Vars of group_vars/<name> files (above every inventory-file group var, as in Ansible). */
  fileVars: Record<string, unknown>;
  fileVarWhere: Record<string, Where>;
  priority: number;
  where?: Where;
  varWhere: Record<string, Where>;
}

export interface AnsibleHost {
  name: string;
  vars: Record<string, unknown>;
  /** Vars of host_vars/<name> files (above the inventory file's). */
  fileVars: Record<string, unknown>;
  fileVarWhere: Record<string, Where>;
  where: Where;
  varWhere: Record<string, Where>;
}

export class AnsibleInventory {
  readonly groups = new Map<string, AnsibleGroup>();
  readonly hosts = new Map<string, AnsibleHost>();
  readonly issues: ImportIssue[] = [];

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
  }

  addGroup(name: string, where?: Where): AnsibleGroup {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, hosts: [], children: [], vars: {}, fileVars: {}, fileVarWhere: {}, priority: 1, varWhere: {}, ...(where ? { where } : {}) };
      this.groups.set(name, g);
    }
    return g;
  }

  addHost(name: string, group: string | undefined, where: Where, port?: number): AnsibleHost {
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, fileVars: {}, fileVarWhere: {}, where, varWhere: {} };
      this.hosts.set(name, h);
    }
    if (port !== undefined) this.setHostVar(name, 'ansible_port', port, where);
    if (group) {
      const g = this.addGroup(group);
      if (!g.hosts.includes(name)) g.hosts.push(name);
    }
    return h;
  }

  setHostVar(host: string, key: string, value: unknown, where: Where): void {
    const h = this.hosts.get(host)!;
    h.vars[key] = value;
    h.varWhere[key] = where;
  }

  setGroupVar(group: string, key: string, value: unknown, where: Where): void {
    const g = this.addGroup(group);
    // Ansible keeps ansible_group_priority as the group's priority, not as a variable.
    if (key === 'ansible_group_priority') g.priority = Number.parseInt(String(value), 10);
    else {
      g.vars[key] = value;
      g.varWhere[key] = where;
    }
  }

  addChild(parent: string, child: string): void {
    const p = this.addGroup(parent);
    this.addGroup(child);
    if (!p.children.includes(child)) p.children.push(child);
  }

  /** Ansible's reconcile step: hosts in no group but all are in `ungrouped`, and only there. */
  reconcile(): void {
    const ungrouped = this.groups.get('ungrouped')!;
    const inSome = new Set([...this.groups.values()].filter((g) => g.name !== 'all' && g.name !== 'ungrouped').flatMap((g) => g.hosts));
    for (const h of this.hosts.keys()) if (!inSome.has(h) && !ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
    ungrouped.hosts = ungrouped.hosts.filter((h) => !inSome.has(h));
    this.groups.get('all')!.hosts = [];
  }

  /** Depth as Ansible counts it: all 0, a group under all 1, a child one deeper than its deepest parent. */
  depths(): Map<string, number> {
    const parents = new Map<string, string[]>([...this.groups.keys()].map((g) => [g, []]));
    for (const g of this.groups.values()) for (const c of g.children) parents.get(c)!.push(g.name);
    const depth = new Map<string, number>([['all', 0]]);
    const of = (g: string, seen: Set<string>): number => {
      if (depth.has(g)) return depth.get(g)!;
      const ps = parents.get(g)!.filter((p) => p !== 'all' && !seen.has(p));
      const d = ps.length === 0 ? 1 : 1 + Math.max(...ps.map((p) => of(p, new Set([...seen, g]))));
      depth.set(g, d);
      return d;
    };
    for (const g of this.groups.keys()) of(g, new Set());
    return depth;
  }

  /** Group names in Ansible's var precedence order (lowest first): depth, priority, name. */
  precedenceOrder(): string[] {
    const depth = this.depths();
    return [...this.groups.keys()].sort((a, b) => depth.get(a)! - depth.get(b)! || this.groups.get(a)!.priority - this.groups.get(b)!.priority || (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Every group a host is in, ancestors included, `all` too. */
  groupsOf(host: string): Set<string> {
    const direct = [...this.groups.values()].filter((g) => g.hosts.includes(host) || g.name === 'all').map((g) => g.name);
    const out = new Set<string>();
    const parentsOf = (c: string) => [...this.groups.values()].filter((g) => g.children.includes(c)).map((g) => g.name);
    const visit = (g: string) => {
      if (out.has(g)) return;
      out.add(g);
      parentsOf(g).forEach(visit);
    };
    direct.forEach(visit);
    return out;
  }

  /** The vars Ansible gives a host: inventory group vars, then group_vars files, then host vars, then host_vars files. */
  hostVars(host: string): Record<string, unknown> {
    const mine = this.groupsOf(host);
    const order = this.precedenceOrder().filter((g) => mine.has(g));
    const h = this.hosts.get(host)!;
    const out: Record<string, unknown> = {};
    for (const g of order) Object.assign(out, this.groups.get(g)!.vars);
    for (const g of order) Object.assign(out, this.groups.get(g)!.fileVars);
    Object.assign(out, h.vars, h.fileVars);
    return out;
  }

  /** Where the value a host ends up with for `key` was set (the highest level that sets it). */
  whereOf(host: string, key: string): Where {
    const h = this.hosts.get(host)!;
    const mine = this.groupsOf(host);
    const groups = this.precedenceOrder()
      .filter((g) => mine.has(g))
      .reverse()
      .map((g) => this.groups.get(g)!);
    const levels = [h.fileVarWhere, h.varWhere, ...groups.map((g) => g.fileVarWhere), ...groups.map((g) => g.varWhere)];
    return levels.find((l) => l[key])?.[key] ?? h.where;
  }
}
