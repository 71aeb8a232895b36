/**
 * Ansible's YAML inventory format (the `yaml` plugin of ansible-core 2.14): top-level groups,
 * each with `hosts` (pattern -> vars), `vars` and `children` (nested groups, the same shape).
 * Values are read as YAML 1.1, like Ansible's PyYAML (yes/no are booleans, 0755 is octal), and
 * every node keeps its line for the import report.
 */
import { isMap, isScalar, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { AnsibleInventory, type Where } from './ansible-model.js';
import { expandHostPattern } from './host-pattern.js';

export function readAnsibleYaml(text: string, file: string, inv = new AnsibleInventory()): AnsibleInventory {
  const lc = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const at = (n: Node | null | undefined): Where => ({ file, line: n?.range ? lc.linePos(n.range[0]).line : 1 });
  for (const e of doc.errors) inv.issues.push({ where: { file, line: lc.linePos(e.pos[0]).line }, message: `YAML: ${e.message.split('\n')[0]}` });
  if (doc.errors.length) return inv;
  if (!isMap(doc.contents)) {
    inv.issues.push({ where: at(doc.contents), message: 'Expected a map of groups at the top of a YAML inventory' });
    return inv;
  }
  if (doc.contents.get('plugin') !== undefined) {
    inv.issues.push({
      where: at(doc.contents),
      message: 'This is the configuration of an inventory plugin (dynamic inventory), not an inventory: run `ansible-inventory -i FILE --list > hosts.json` and import that file',
    });
    return inv;
  }
  for (const pair of doc.contents.items) group(inv, String((pair.key as Node & { value?: unknown })?.toJSON?.() ?? pair.key), pair.value as Node | null, at, at(pair.key as Node));
  inv.reconcile();
  return inv;
}

function group(inv: AnsibleInventory, name: string, data: Node | null, at: (n: Node | null | undefined) => Where, where: Where): void {
  if (data !== null && !isMap(data) && !(isScalar(data) && data.value === null)) {
    inv.issues.push({ where, message: `Group "${name}" is not a map (Ansible skips it)` });
    return;
  }
  inv.addGroup(name, where);
  if (!isMap(data)) return;
  for (const pair of (data as YAMLMap).items) {
    const key = String((pair.key as Node).toJSON());
    const value = pair.value as Node | null;
    const sectionWhere = at(pair.key as Node);
    if (!['vars', 'children', 'hosts'].includes(key)) {
      inv.issues.push({ where: sectionWhere, message: `Unexpected key "${key}" in group "${name}" (Ansible skips it: only vars, children and hosts)` });
      continue;
    }
    // A string names one entry (`hosts: web1`); null is an empty section.
    if (isScalar(value) && typeof value.value === 'string') {
      if (key === 'children') group(inv, value.value, null, at, sectionWhere), inv.addChild(name, value.value);
      else if (key === 'hosts') addHosts(inv, name, value.value, null, sectionWhere);
      continue;
    }
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (!isMap(value)) {
      inv.issues.push({ where: sectionWhere, message: `"${key}" of group "${name}" must be a map` });
      continue;
    }
    for (const item of value.items) {
      const itemKey = item.key as Node;
      const itemName = itemKey.toJSON() as unknown;
      const itemWhere = at(itemKey);
      if (key === 'vars') inv.setGroupVar(name, String(itemName), (item.value as Node | null)?.toJSON() ?? null, itemWhere);
      else if (key === 'children') {
        group(inv, String(itemName), item.value as Node | null, at, itemWhere);
        inv.addChild(name, String(itemName));
      } else {
        if (typeof itemName !== 'string') {
          inv.issues.push({ where: itemWhere, message: `Host pattern ${String(itemName)} must be a string: quote it` });
          continue;
        }
        addHosts(inv, name, itemName, item.value as Node | null, itemWhere);
      }
    }
  }
}

function addHosts(inv: AnsibleInventory, groupName: string, pattern: string, vars: Node | null, where: Where): void {
  const expanded = expandHostPattern(pattern);
  if (!expanded.ok) return void inv.issues.push({ where, message: expanded.message });
  const values = vars?.toJSON() as unknown;
  if (values !== null && values !== undefined && (typeof values !== 'object' || Array.isArray(values))) {
    return void inv.issues.push({ where, message: `The vars of host "${pattern}" must be a map` });
  }
  for (const h of expanded.hosts) {
    inv.addHost(h, groupName, where, expanded.port);
    for (const [k, v] of Object.entries((values ?? {}) as Record<string, unknown>)) inv.setHostVar(h, k, v, where);
  }
}
