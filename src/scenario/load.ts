/**
 * Reading a scenario file: YAML with locations, the zod schema, then the checks that need the
 * whole file (host names a check or group uses, ${...} placeholders, render scenarios holding
 * only file checks). Every problem is reported at once with file:line:col.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { InputError, type InputIssue, type SourceLocation } from '../errors.js';
import { readYamlFile } from '../yaml/read.js';
import type { KeyPath } from '../yaml/locations.js';
import { zodIssuesToInputIssues } from '../yaml/zod-issues.js';
import { CHECK_KINDS, ScenarioFileSchema, type Check, type ScenarioFile } from './schema.js';

export const TESTS_DIR = 'tests';
export const DEFAULT_SCENARIO = 'default';

export interface Scenario {
  /** `<role>/<scenario>`. */
  id: string;
  role: string;
  name: string;
  /** The file as shown in messages. */
  file: string;
  /** Folder holding the role (its parent is searched for the other roles the scenario names). */
  roleDir: string;
  spec: ScenarioFile;
  kind: 'lab' | 'render';
  hosts: string[];
  /** Where a key path of the file is, when the file has it (to point inventory errors back here). */
  locate(path: KeyPath): SourceLocation | undefined;
}

/**
 * `${address:NAME}` (a host's or a reserved address), `${host:NAME}` (a host's inventory name)
 * and `${known_hosts:NAME}` (the host's SSH host key as a known_hosts line, for roles that pin it).
 */
export const PLACEHOLDER = /\$\{(address|host|known_hosts):([a-z][a-z0-9]*)\}/g;

export type PlaceholderKind = 'address' | 'host' | 'known_hosts';

export function scenarioPath(roleDir: string, scenario: string): string {
  return path.join(roleDir, TESTS_DIR, `${scenario}.yaml`);
}

/** Scenario names a role has (tests/*.yaml). */
export function scenariosOf(roleDir: string): string[] {
  const dir = path.join(roleDir, TESTS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -5))
    .sort();
}

export async function loadScenario(role: string, roleDir: string, name: string, cwd = process.cwd()): Promise<Scenario> {
  const doc = await readYamlFile(scenarioPath(roleDir, name), { cwd });
  const issues: InputIssue[] = [...doc.issues];
  if (doc.ok) {
    const parsed = ScenarioFileSchema.safeParse(doc.value);
    if (!parsed.success) issues.push(...zodIssuesToInputIssues(parsed.error.issues, { doc, schema: ScenarioFileSchema }));
    else issues.push(...crossChecks(parsed.data, (p) => doc.at(p)));
    if (issues.length === 0 && parsed.success) {
      const spec = parsed.data;
      const locate = (p: KeyPath) => (doc.has(p) ? doc.keyAt(p) : undefined);
      return { id: `${role}/${name}`, role, name, file: doc.file, roleDir, spec, kind: spec.kind ?? 'lab', hosts: spec.hosts ?? ['node1'], locate };
    }
  }
  throw new InputError(issues, `Invalid scenario "${role}/${name}"`);
}

/** What the schema cannot say: names used must be declared, render scenarios only check files. */
export function crossChecks(spec: ScenarioFile, at: (p: KeyPath) => InputIssue['location']): InputIssue[] {
  const issues: InputIssue[] = [];
  const hosts = spec.hosts ?? ['node1'];
  const addresses = new Set([...hosts, ...(spec.addresses ?? [])]);
  const issue = (p: KeyPath, message: string) => issues.push({ location: at(p), path: [...p], message });
  const hostRef = (h: string, p: KeyPath) => {
    if (!hosts.includes(h)) issue(p, `Unknown scenario host "${h}"; the scenario's hosts are ${hosts.map((x) => `"${x}"`).join(', ')}`);
  };
  for (const a of spec.addresses ?? []) if (hosts.includes(a)) issue(['addresses'], `Address name "${a}" is also a host name; use distinct names`);
  for (const [g, entry] of Object.entries(spec.groups ?? {})) entry.hosts?.forEach((h, i) => hostRef(h, ['groups', g, 'hosts', i]));
  for (const h of Object.keys(spec.host_vars ?? {})) hostRef(h, ['host_vars', h]);
  spec.verify.forEach((c, i) => {
    for (const [j, h] of onList(c).entries()) hostRef(h, Array.isArray(c.on) ? ['verify', i, 'on', j] : ['verify', i, 'on']);
    if (spec.kind === 'render' && c.file === undefined) issue(['verify', i], `A render scenario boots no host: only "file" checks can run, found "${CHECK_KINDS.find((k) => c[k] !== undefined)}"`);
    if (spec.kind === 'render' && c.retries) issue(['verify', i, 'retries'], 'A render scenario has nothing to retry');
  });
  // Placeholders anywhere in vars and checks.
  const visit = (v: unknown, p: KeyPath) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(PLACEHOLDER)) {
        const onlyHosts = m[1] !== 'address';
        const known = onlyHosts ? hosts.includes(m[2]!) : addresses.has(m[2]!);
        if (!known) issue(p, `Unknown name "${m[2]}" in "${m[0]}": ${onlyHosts ? 'hosts' : 'hosts and addresses'} are ${[...(onlyHosts ? hosts : addresses)].map((x) => `"${x}"`).join(', ')}`);
      }
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) visit(x, [...p, k]);
  };
  visit(spec.vars, ['vars']);
  visit(spec.host_vars, ['host_vars']);
  for (const [g, entry] of Object.entries(spec.groups ?? {})) visit(entry.vars, ['groups', g, 'vars']);
  visit(spec.verify, ['verify']);
  return issues;
}

export function onList(c: Check): string[] {
  return c.on === undefined ? [] : Array.isArray(c.on) ? c.on : [c.on];
}

/** Replace the placeholders in every string inside `v`. */
export function substitute<T>(v: T, names: { address: Record<string, string>; host: Record<string, string>; knownHosts?: Record<string, string> }): T {
  const table = { address: names.address, host: names.host, known_hosts: names.knownHosts ?? {} };
  if (typeof v === 'string') return v.replace(PLACEHOLDER, (_, kind: PlaceholderKind, n: string) => table[kind][n] ?? _) as T;
  if (Array.isArray(v)) return v.map((x) => substitute(x, names)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, names)])) as T;
  return v;
}
