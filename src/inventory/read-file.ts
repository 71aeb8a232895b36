/**
 * Validates inventory.yaml and keeps every part that is valid on its own, so that one bad host
 * does not hide the problems of the others (or produce "unknown host" noise where it is listed).
 */
import type { InputIssue } from '../errors.js';
import type { YamlDoc } from '../yaml/parse.js';
import { zodIssuesToInputIssues } from '../yaml/zod-issues.js';
import { DefaultsSchema, GroupSchema, HostSchema, InventoryFileSchema, type ConnectionEntry, type GroupEntry, type HostEntry } from './schema.js';
import { ProviderSchema, type ProviderSpec } from '../spec/machines.js';
import { TerraformSourceSchema, type TerraformSource } from './schema-sources.js';

export interface InventoryParts {
  lab: boolean;
  defaults?: ConnectionEntry;
  /** Hosts whose entries are valid, in declaration order. */
  hosts: Map<string, HostEntry>;
  /** Every host name declared, valid entry or not. */
  hostNames: string[];
  /** Every group declared (an invalid entry counts as an empty group), in declaration order. */
  groups: Map<string, GroupEntry>;
  /** Providers whose entries are valid. */
  providers: Map<string, ProviderSpec>;
  /** `sources:` entries that are valid (Terraform outputs). */
  sources: TerraformSource[];
}

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function readInventoryFile(doc: YamlDoc, issues: InputIssue[]): InventoryParts {
  const parts: InventoryParts = { lab: false, hosts: new Map(), hostNames: [], groups: new Map(), providers: new Map(), sources: [] };
  issues.push(...doc.issues);
  if (!doc.ok) return parts;
  const parsed = InventoryFileSchema.safeParse(doc.value);
  if (!parsed.success) issues.push(...zodIssuesToInputIssues(parsed.error.issues, { doc, schema: InventoryFileSchema }));
  const raw = doc.value;
  if (!isMap(raw)) return parts;

  parts.lab = raw.lab === true;
  const defaults = DefaultsSchema.safeParse(raw.defaults);
  if (raw.defaults !== undefined && defaults.success) parts.defaults = defaults.data;
  if (isMap(raw.hosts)) {
    for (const [name, entry] of Object.entries(raw.hosts)) {
      parts.hostNames.push(name);
      const host = HostSchema.safeParse(entry);
      if (host.success) parts.hosts.set(name, host.data);
    }
  }
  if (isMap(raw.groups)) {
    for (const [name, entry] of Object.entries(raw.groups)) {
      const group = GroupSchema.safeParse(entry);
      parts.groups.set(name, group.success ? group.data : {});
    }
  }
  if (isMap(raw.providers)) {
    for (const [name, entry] of Object.entries(raw.providers)) {
      const provider = ProviderSchema.safeParse(entry);
      if (provider.success) parts.providers.set(name, provider.data);
    }
  }
  if (Array.isArray(raw.sources)) {
    for (const src of raw.sources) {
      const one = TerraformSourceSchema.safeParse(src);
      if (one.success) parts.sources.push(one.data);
    }
  }
  return parts;
}
