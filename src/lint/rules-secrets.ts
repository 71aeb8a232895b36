/**
 * secret-plaintext: a value of a variable some role marks secret (`secret:`, `vault:`, or a
 * secret key of an object variable) written in plain text in an inventory (inventory.yaml,
 * group_vars/, host_vars/), or a non-empty default of a secret variable in role.yaml. `!vault`
 * values and vault files are fine; an empty value holds nothing. Lab inventories (`lab: true`)
 * are exempt: their values are public by design and protect throw-away hosts (the loader accepts
 * them too).
 */
import type { YamlDoc } from '../yaml/parse.js';
import type { LintInventory, LintRole } from './collect.js';
import { finding, type Finding } from './rules.js';

interface Secrets {
  /** Variables whose whole value is secret. */
  whole: Set<string>;
  /** Map variable -> its secret keys (each item's, for a list of maps). */
  keys: Map<string, Set<string>>;
}

function secretsOf(roles: Iterable<LintRole>): Secrets {
  const s: Secrets = { whole: new Set(['become_password']), keys: new Map() };
  for (const r of roles) {
    for (const [name, v] of Object.entries(r.spec.variables)) {
      if (v.secret || v.vault) s.whole.add(name);
      const keys = Object.entries(v.properties ?? {})
        .filter(([, f]) => f.secret || f.vault)
        .map(([k]) => k);
      if (keys.length) s.keys.set(name, new Set([...(s.keys.get(name) ?? []), ...keys]));
    }
  }
  return s;
}

const fromVault = (doc: YamlDoc, path: (string | number)[]) => doc.vaultPaths.some((p) => p.length <= path.length && p.every((seg, i) => path[i] === seg));
const filled = (v: unknown): boolean => (typeof v === 'string' ? v !== '' : typeof v === 'number' || typeof v === 'boolean' || (v !== null && typeof v === 'object' && Object.values(v).some(filled)));

/** Every plain-text secret inside a vars map at `base` of `doc`. */
function scanVars(doc: YamlDoc, base: (string | number)[], vars: unknown, s: Secrets, out: Finding[]): void {
  if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return;
  for (const [name, value] of Object.entries(vars)) {
    const at = [...base, name];
    if (s.whole.has(name)) {
      if (filled(value) && !fromVault(doc, at))
        out.push(finding('secret-plaintext', doc.keyAt(at), `"${name}" is a secret and is written in plain text: give it as a !vault value (wpha vault encrypt-string --name ${name})`));
      continue;
    }
    const keys = s.keys.get(name);
    if (!keys) continue;
    const items = Array.isArray(value) ? value.map((v, i) => [v, [...at, i]] as const) : [[value, at] as const];
    for (const [item, p] of items) {
      if (!item || typeof item !== 'object') continue;
      for (const k of keys) {
        const v = (item as Record<string, unknown>)[k];
        if (filled(v) && !fromVault(doc, [...p, k]))
          out.push(finding('secret-plaintext', doc.keyAt([...p, k]), `"${name}" key "${k}" is a secret and is written in plain text: give it as a !vault value`));
      }
    }
  }
}

export function inventorySecrets(inv: LintInventory, roles: ReadonlyMap<string, LintRole>): Finding[] {
  if (inv.lab) return [];
  const s = secretsOf(roles.values());
  const out: Finding[] = [];
  for (const doc of inv.docs) {
    const v = doc.value as Record<string, any> | undefined;
    if (!v || typeof v !== 'object') continue;
    if (doc.file.endsWith('inventory.yaml')) {
      scanVars(doc, ['vars'], v.vars, s, out);
      for (const [h, e] of Object.entries((v.hosts ?? {}) as Record<string, any>)) scanVars(doc, ['hosts', h, 'vars'], e?.vars, s, out);
      for (const [g, e] of Object.entries((v.groups ?? {}) as Record<string, any>)) scanVars(doc, ['groups', g, 'vars'], e?.vars, s, out);
    } else scanVars(doc, [], v, s, out);
  }
  return out;
}

export function roleDefaultSecrets(role: LintRole): Finding[] {
  const out: Finding[] = [];
  for (const [name, v] of Object.entries(role.spec.variables)) {
    if ((v.secret || v.vault) && filled(v.default))
      out.push(
        finding(
          'secret-plaintext',
          role.doc.keyAt(['variables', name, 'default']),
          `Secret variable "${name}" has a default in plain text: every inventory that does not set it uses this value; leave it empty or required`,
        ),
      );
  }
  return out;
}
