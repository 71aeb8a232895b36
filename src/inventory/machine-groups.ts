/** A group's `machines.provider` must name a provider of the inventory's `providers:`. */
import type { InputIssue } from '../errors.js';
import type { YamlDoc } from '../yaml/parse.js';
import { didYouMean } from '../yaml/suggest.js';
import type { InventoryParts } from './read-file.js';

export function checkMachineGroups(parts: InventoryParts, doc: YamlDoc): InputIssue[] {
  const issues: InputIssue[] = [];
  const names = [...parts.providers.keys()];
  for (const [group, entry] of parts.groups) {
    const provider = entry.machines?.provider;
    if (provider === undefined || parts.providers.has(provider)) continue;
    const path = ['groups', group, 'machines', 'provider'];
    const hint = names.length === 0 ? ' (the inventory declares no `providers:`)' : didYouMean(provider, names) || ` (declared: ${names.map((n) => `"${n}"`).join(', ')})`;
    issues.push({ location: doc.at(path), path, message: `Unknown provider "${provider}"${hint}` });
  }
  return issues;
}
