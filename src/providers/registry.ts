/** The providers an inventory declares, made into Provider objects (tagging machines with the state's id). */
import type { Inventory } from '../model.js';
import { UserError } from '../errors.js';
import { LabProvider } from './lab.js';
import { ProxmoxProvider } from './proxmox/provider.js';
import type { Provider } from './types.js';

export class Providers {
  private readonly made = new Map<string, Provider>();
  constructor(
    private readonly inv: Inventory,
    private readonly stateId: string,
    private readonly log: (s: string) => void,
  ) {}

  get(name: string): Provider {
    const cached = this.made.get(name);
    if (cached) return cached;
    const spec = this.inv.providers?.[name];
    if (!spec) throw new UserError(`Inventory "${this.inv.name}" declares no provider "${name}"`);
    const p: Provider = spec.type === 'lab' ? new LabProvider(name, this.stateId, undefined, this.log) : new ProxmoxProvider(name, this.stateId, spec, this.log);
    this.made.set(name, p);
    return p;
  }

  /** Providers of the inventory's groups that have machines. */
  used(): Provider[] {
    const names = new Set([...this.inv.groups.values()].map((g) => g.machines?.provider).filter((p): p is string => p !== undefined));
    return [...names].map((n) => this.get(n));
  }
}
