/**
 * Builds small inventories in a temp folder for the hostile-input cases: a base inventory (one
 * host, one group, one role) that each case changes by adding, replacing or removing files. The
 * cases are data, so a table drives the tests and every case states only what makes it hostile.
 *
 *   const dir = buildInventory({ 'roles/app/role.yaml': roleYaml([task]), 'huge.yaml': big });
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** File path (relative to the inventory folder) -> content; null removes a base file. */
export type Files = Record<string, string | Buffer | null>;

export const BASE_INVENTORY = ['hosts:', '  web1: { address: 192.0.2.10 }', 'groups:', '  web: { hosts: [web1], roles: [app] }', ''].join('\n');

export const BASE_ROLE_HEAD = [
  'description: a role for hostile-input cases',
  'variables:',
  '  app_port: { type: integer, default: 8080, description: the port }',
  '  app_name: { type: string, default: shop, description: the site name }',
  '',
].join('\n');

/** A role.yaml with the base variables and the given tasks (YAML text of list items, indented by 2). */
export function roleYaml(tasks: string[], extra = ''): string {
  return `${BASE_ROLE_HEAD}${extra}tasks:\n${tasks.map((t) => `  ${t.trimEnd().split('\n').join('\n  ')}\n`).join('')}`;
}

export const BASE_FILES: Files = {
  'inventory.yaml': BASE_INVENTORY,
  'roles/app/role.yaml': roleYaml(['- name: config\n  template: { src: app.conf.hbs, dest: /etc/app.conf }']),
  'roles/app/templates/app.conf.hbs': 'port={{ app_port }}\nname={{ app_name }}\n',
  'roles/app/files/static.txt': 'static\n',
};

/** Writes the base inventory changed by `files` into a new temp folder; returns its path. */
export function buildInventory(files: Files = {}, prefix = 'wpha-hostile-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const all: Files = { ...BASE_FILES, ...files };
  for (const [rel, content] of Object.entries(all)) {
    if (content === null) continue;
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

export function removeInventory(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A YAML "billion laughs": `levels` anchors, each a list of `width` aliases of the previous one. */
export function billionLaughs(key: string, levels = 9, width = 10, indent = ''): string {
  const lines = [`${indent}${key}:`, `${indent}  l0: &l0 "lol"`];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `${indent}  l${i}: &l${i} [${Array(width)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n') + '\n';
}

/** Block-style maps nested `depth` deep under `key` (what a generator gone wrong writes). */
export function deepMap(key: string, depth: number): string {
  const lines = [`${key}:`];
  for (let i = 1; i <= depth; i++) lines.push(`${'  '.repeat(i)}k${i}:`);
  lines.push(`${'  '.repeat(depth + 1)}leaf: 1`);
  return lines.join('\n') + '\n';
}

/** Valid YAML of at least `bytes` bytes (a comment block, then `body`). */
export function hugeYaml(bytes: number, body: string): string {
  const line = `# ${'x'.repeat(78)}\n`;
  return line.repeat(Math.ceil(bytes / line.length)) + body;
}

/** Object.prototype carries nothing it did not have before: no YAML, var or template reached it. */
export function prototypeIsClean(): boolean {
  const probe: Record<string, unknown> = {};
  return ['polluted', 'isAdmin', 'shell', 'x'].every((k) => probe[k] === undefined) && Object.keys(Object.prototype).length === 0;
}
