/**
 * Ansible's INI inventory format, read the way ansible-core 2.14's `ini` plugin reads it:
 * `[group]`, `[group:vars]`, `[group:children]` sections (a child may be declared later), host
 * lines split like a shell (shlex) into a host pattern and `key=value` pairs, values tried as
 * Python literals, ranges such as `web[01:10]` and `db-[a:f]`, `host:port`. Problems Ansible
 * would refuse become issues with file:line; reading goes on with the next line.
 */
import { AnsibleInventory } from './ansible-model.js';
import { expandHostPattern } from './host-pattern.js';
import { parsePythonLiteral } from './python-literal.js';
import { shlexSplit } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_LINE = /^([^:\]\s]+)\s*(?:#.*)?$/;

/** An INI value as Ansible keeps it: a Python literal when it is one, else the text. */
export function iniValue(text: string): unknown {
  const lit = parsePythonLiteral(text);
  return lit.ok ? lit.value : text;
}

export function readAnsibleIni(text: string, file: string, inv = new AnsibleInventory()): AnsibleInventory {
  let group = 'ungrouped';
  let state = 'hosts';
  const pending = new Map<string, { line: number; state: string; parents: string[] }>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const where = { file, line: index + 1 };
    const issue = (message: string) => inv.issues.push({ where, message });
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const section = SECTION.exec(line);
    if (section) {
      group = section[1]!;
      state = section[2] ?? 'hosts';
      if (!['hosts', 'children', 'vars'].includes(state)) return issue(`Section [${section[1]}:${state}] has an unknown type "${state}" (hosts, children or vars)`);
      if (!inv.groups.has(group)) {
        if (state === 'vars' && !pending.has(group)) pending.set(group, { line: where.line, state, parents: [] });
        inv.addGroup(group, where);
      }
      const p = pending.get(group);
      if (p && state !== 'vars') {
        if (p.state === 'children') for (const parent of p.parents) inv.addChild(parent, group);
        pending.delete(group);
      }
      return;
    }
    if (line.startsWith('[') && line.endsWith(']')) return issue(`Invalid section "${line}": no spaces or other characters allowed in a section name`);
    if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) return issue(`Expected key=value, found "${line}"`);
      inv.setGroupVar(group, line.slice(0, eq).trim(), iniValue(line.slice(eq + 1).trim()), where);
    } else if (state === 'children') {
      const m = GROUP_LINE.exec(line);
      if (!m) return issue(`Expected a group name, found "${line}"`);
      const child = m[1]!;
      if (inv.groups.has(child)) inv.addChild(group, child);
      else {
        const p = pending.get(child) ?? { line: where.line, state: 'children', parents: [] };
        p.parents.push(group);
        pending.set(child, p);
      }
    } else {
      let tokens: string[];
      try {
        tokens = shlexSplit(line);
      } catch (e) {
        return issue(`Cannot parse the host line "${line}": ${(e as Error).message}`);
      }
      const expanded = expandHostPattern(tokens[0]!);
      if (!expanded.ok) return issue(expanded.message);
      const vars: [string, unknown][] = [];
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf('=');
        if (eq < 0) return issue(`Expected key=value after the host name, found "${t}"`);
        vars.push([t.slice(0, eq), iniValue(t.slice(eq + 1))]);
      }
      for (const h of expanded.hosts) {
        inv.addHost(h, group, where, expanded.port);
        for (const [k, v] of vars) inv.setHostVar(h, k, v, where);
      }
    }
  });
  for (const [name, p] of pending) {
    const where = { file, line: p.line };
    inv.issues.push({
      where,
      message: p.state === 'vars' ? `Section [${name}:vars] is for a group that is never defined` : `Section [${p.parents.at(-1)}:children] names group "${name}", which is never defined`,
    });
  }
  inv.reconcile();
  return inv;
}
