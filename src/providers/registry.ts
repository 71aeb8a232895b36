/** The providers an inventory declares, made into Provider objects (tagging machines with the state's id). */
import type { Inventory } from '../model.js';
import { UserError } from '../errors.js';
import { LabProvider } from './lab.js';
import type { Provider } from './types.js';

export class Providers {
  private readonly made = new Map<string, Provider>();
  constructor(private readonly inv: Inventory, private readonly stateId: string, private readonly log: (s: string) => void) {}

  get(name: string): Provider {
    const cached = this.made.get(name);
    if (cached) return cached;
    const spec = this.inv.providers?.[name];
    if (!spec) throw new UserError(`Inventory "${this.inv.name}" declares no provider "${name}"`);
    if (spec.type !== 'lab') throw new UserError(`Provider "${name}" (${spec.type}) is not available in this version`);
    const p = new LabProvider(name, this.stateId, undefined, this.log);
    this.made.set(name, p);
    return p;
  }

  /** Providers of the inventory's groups that have machines. */
  used(): Provider[] {
    const names = new Set([...this.inv.groups.values()].map((g) => g.machines?.provider).filter((p): p is string => p !== undefined));
    return [...names].map((n) => this.get(n));
  }
}
