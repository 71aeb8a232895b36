/**
 * Hosts from `terraform output -json` as an inventory source, so that Terraform keeps making the
 * machines and wpha converges them. inventory.yaml names the file (written by
 * `terraform output -json > terraform-output.json`) and the output to read:
 *
 *   sources:
 *     - terraform: terraform-output.json     # relative to the inventory folder
 *       output: wpha_hosts                   # default
 *
 * The output's value is a map of host name -> { address, groups, vars, user, port } (see
 * docs/terraform.md). Its hosts join the groups inventory.yaml declares, with their vars at host
 * level; a sensitive output's values are secrets of the run. Every problem is reported with the
 * JSON file's line and column, read at load time, before any host is contacted.
 */
import path from 'node:path';
import { z } from 'zod';
import type { InputIssue, SourceLocation } from '../errors.js';
import { readYamlFile, type ReadYamlOptions } from '../yaml/read.js';
import { zodIssuesToInputIssues } from '../yaml/zod-issues.js';
import { HOST_NAME, HOST_NAME_RULE, isValidAddress, UNIX_USER } from '../spec/names.js';
import type { InventoryParts } from './read-file.js';
import { VarsSchema } from './schema.js';
import { PortNumberSchema } from '../spec/port.js';
import { DEFAULT_TERRAFORM_OUTPUT, type TerraformSource } from './schema-sources.js';
import { layerFromDoc, type VarLayer } from './var-layers.js';

const TerraformHostSchema = z.strictObject(
  {
    address: z.string({ error: 'Expected an IPv4 address, an IPv6 address or a DNS name' }).refine(isValidAddress, { error: 'Expected an IPv4 address, an IPv6 address or a DNS name' }),
    groups: z.array(z.string({ error: 'Expected a group name' }), { error: 'Expected a list of group names' }).optional(),
    vars: VarsSchema.optional(),
    user: z.string({ error: 'Expected a user name' }).regex(UNIX_USER, { error: 'Expected a Unix user name' }).optional(),
    port: PortNumberSchema.optional(),
  },
  { error: 'Expected a map with "address" and optionally "groups", "vars", "user", "port"' },
);

/** One output as `terraform output -json` prints it. */
const OutputSchema = z.strictObject(
  { sensitive: z.boolean({ error: 'Expected true or false' }), type: z.unknown(), value: z.unknown() },
  { error: 'Expected a Terraform output: a map with "sensitive", "type" and "value"' },
);

export interface TerraformHost {
  address: string;
  groups: string[];
  user?: string;
  port?: number;
  layer: VarLayer;
  location: SourceLocation;
  /** Key path of the host's entry in the JSON file (for messages). */
  path: string[];
  groupsLocation: SourceLocation;
}

/** Reads every `sources:` entry; problems go to `issues`, valid hosts are returned. */
export async function readTerraformSources(invDir: string, sources: readonly TerraformSource[], io: ReadYamlOptions, issues: InputIssue[]): Promise<Map<string, TerraformHost>> {
  const hosts = new Map<string, TerraformHost>();
  for (const src of sources) {
    const output = src.output ?? DEFAULT_TERRAFORM_OUTPUT;
    // JSON is YAML: the YAML reader gives every problem a file:line:col.
    const doc = await readYamlFile(path.resolve(invDir, src.terraform), io);
    issues.push(...doc.issues);
    if (!doc.ok) continue;
    const top = doc.value as Record<string, unknown> | undefined;
    if (!top || typeof top !== 'object' || Array.isArray(top)) {
      issues.push({ location: doc.at([]), path: [], message: 'Expected the JSON of `terraform output -json` (a map of outputs)' });
      continue;
    }
    if (!(output in top)) {
      issues.push({
        location: doc.at([]),
        path: [],
        message: `No output "${output}" in this file (outputs: ${
          Object.keys(top)
            .map((k) => `"${k}"`)
            .join(', ') || 'none'
        }); write it with \`terraform output -json > ${src.terraform}\``,
      });
      continue;
    }
    const out = OutputSchema.safeParse(top[output]);
    if (!out.success) {
      issues.push(...zodIssuesToInputIssues(out.error.issues, { doc, schema: OutputSchema, basePath: [output] }));
      continue;
    }
    const value = out.data.value;
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      issues.push({ location: doc.at([output, 'value']), path: [output, 'value'], message: 'Expected a map of host name -> { address, groups, vars }' });
      continue;
    }
    for (const [name, entry] of Object.entries(value)) {
      const at = [output, 'value', name];
      if (!HOST_NAME.test(name)) {
        issues.push({ location: doc.keyAt(at), path: at, message: `${HOST_NAME_RULE}, found "${name}"` });
        continue;
      }
      const h = TerraformHostSchema.safeParse(entry);
      if (!h.success) {
        issues.push(...zodIssuesToInputIssues(h.error.issues, { doc, schema: TerraformHostSchema, basePath: at, isSecret: () => out.data.sensitive }));
        continue;
      }
      if (hosts.has(name)) {
        issues.push({ location: doc.keyAt(at), path: at, message: `Host "${name}" comes from two Terraform outputs; rename one` });
        continue;
      }
      const layer = layerFromDoc(doc, [...at, 'vars'], 'host');
      // `terraform output -json` prints sensitive values in clear: here they become secrets of the run.
      if (out.data.sensitive) for (const e of layer.values()) e.secret = true;
      hosts.set(name, {
        address: h.data.address,
        groups: h.data.groups ?? [],
        ...(h.data.user ? { user: h.data.user } : {}),
        ...(h.data.port ? { port: h.data.port } : {}),
        layer,
        location: doc.keyAt(at),
        path: at,
        groupsLocation: doc.keyAt([...at, 'groups']),
      });
    }
  }
  return hosts;
}

/** Adds Terraform's hosts to the parts read from inventory.yaml, as members of their groups. */
export function joinTerraformHosts(parts: InventoryParts, hosts: ReadonlyMap<string, TerraformHost>, issues: InputIssue[]): void {
  for (const [name, h] of hosts) {
    if (parts.hostNames.includes(name)) {
      issues.push({ location: h.location, path: h.path, message: `Host "${name}" from Terraform has the name of a host inventory.yaml already has; rename one of them` });
      continue;
    }
    const unknown = h.groups.filter((g) => g === 'all' || !parts.groups.has(g));
    if (unknown.length) {
      issues.push({
        location: h.groupsLocation,
        path: [...h.path, 'groups'],
        message: `Host "${name}" from Terraform names ${unknown.map((g) => `"${g}"`).join(', ')}, which inventory.yaml does not declare as a group (declare the groups, with their roles, in inventory.yaml)`,
      });
      continue;
    }
    parts.hostNames.push(name);
    parts.hosts.set(name, { address: h.address, ...(h.user ? { user: h.user } : {}), ...(h.port ? { port: h.port } : {}) });
    for (const g of h.groups) {
      const group = parts.groups.get(g)!;
      parts.groups.set(g, { ...group, hosts: [...(group.hosts ?? []), name] });
    }
  }
}
