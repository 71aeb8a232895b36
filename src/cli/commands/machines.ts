/** `wpha machines ...`: the hosts providers make for an inventory (recorded in wpha-state.json). */
import type { Command } from 'commander';
import { UserError } from '../../errors.js';
import type { Inventory } from '../../model.js';
import { destroyMachine, makeMachine, reconcile, type MachineContext } from '../../providers/machines.js';
import { Providers } from '../../providers/registry.js';
import { StateStore, withStateLock } from '../../state/state-file.js';
import { addInventoryOptions, loadInventoryFor, type InventoryFlags } from '../load.js';
import { positiveInt } from '../options.js';

const say = (s: string) => process.stderr.write(`${s}\n`);

async function withMachines<T>(flags: InventoryFlags, fn: (ctx: MachineContext) => Promise<T>): Promise<T> {
  const { inv } = await loadInventoryFor(flags);
  if (!inv.providers) throw new UserError(`Inventory "${inv.name}" declares no providers: its hosts are all written in inventory.yaml`);
  return withStateLock(inv.dir, async () => {
    const store = new StateStore(inv.dir);
    return fn({ inv, store, providers: new Providers(inv, store.state.id, say), log: say });
  });
}

export async function machinesList(inv: Inventory, ctx: Pick<MachineContext, 'store' | 'providers'>): Promise<string> {
  const atProvider = new Map<string, { running: boolean }>();
  for (const p of ctx.providers.used()) for (const m of await p.list()) atProvider.set(m.name, m);
  const lines: string[] = [];
  for (const [name, m] of Object.entries(ctx.store.state.machines)) {
    const seen = atProvider.get(name);
    const where = seen ? (seen.running ? 'running' : 'stopped') : 'MISSING at the provider';
    lines.push(`${name.padEnd(16)} ${m.group.padEnd(10)} ${m.provider.padEnd(8)} ${m.image.padEnd(6)} ${(m.address ?? '-').padEnd(16)} ${m.status.padEnd(9)} ${where}  created ${m.created}`);
    atProvider.delete(name);
  }
  for (const name of atProvider.keys()) lines.push(`${name.padEnd(16)} ORPHAN: made by a provider for this inventory but not in its state (wpha machines reconcile destroys it)`);
  return lines.length ? lines.join('\n') + '\n' : `no machines in inventory "${inv.name}"\n`;
}

export function register(program: Command): void {
  const machines = program
    .command('machines')
    .description('Hosts that providers make for an inventory: list, create, destroy, reconcile')
    .addHelpText(
      'after',
      `
A group gets machines with "machines: { provider: NAME, image: GEN }" in inventory.yaml; they are
recorded in wpha-state.json next to it and join the group like written hosts (apply, plan,
inventory show). \`wpha upgrade\` replaces them; these commands are the raw tools.

Examples:
  wpha machines create -i prod --group web --count 2   # then: wpha apply -i prod
  wpha machines list -i prod
  wpha machines destroy -i prod web-3f2a                # not drained first: see wpha upgrade
  wpha machines reconcile -i prod                       # destroy what a killed run left behind`,
    );

  addInventoryOptions(machines.command('list'))
    .description('The machines of the state file, as their provider sees them, and orphans')
    .action(async (o: InventoryFlags) => {
      const { inv } = await loadInventoryFor(o);
      if (!inv.providers) throw new UserError(`Inventory "${inv.name}" declares no providers`);
      const store = new StateStore(inv.dir);
      process.stdout.write(await machinesList(inv, { store, providers: new Providers(inv, store.state.id, say) }));
    });

  addInventoryOptions(machines.command('create'))
    .requiredOption('--group <group>', 'the group the machines join')
    .option('--count <n>', "how many to make (default: up to the group's machines.count)", (v) => positiveInt(v, '--count'))
    .option('--image <generation>', "image generation (default: the group's newest among its machines, else machines.image)")
    .description('Make machines for a group (they are converged by the next apply)')
    .action(async (o: InventoryFlags & { group: string; count?: number; image?: string }) => {
      const made = await withMachines(o, async (ctx) => {
        const spec = ctx.inv.groups.get(o.group)?.machines;
        if (!spec) throw new UserError(`Group "${o.group}" of inventory "${ctx.inv.name}" has no "machines:" settings`);
        const current = Object.values(ctx.store.state.machines).filter((m) => m.group === o.group && m.status !== 'retiring');
        const count = o.count ?? Math.max(0, (spec.count ?? 0) - current.length);
        const image =
          o.image ??
          current
            .map((m) => m.image)
            .sort()
            .at(-1) ??
          spec.image;
        const out: string[] = [];
        for (let i = 0; i < count; i++) out.push((await makeMachine(ctx, o.group, { image, status: 'serving' })).name);
        return out;
      });
      for (const n of made) process.stdout.write(`${n}\n`);
      say(made.length ? `Made ${made.length} machine(s); run \`wpha apply -i ${o.inventory}\` to converge them (and the hosts that list them).` : 'Nothing to make: the group has its count.');
    });

  addInventoryOptions(machines.command('destroy <names...>'))
    .description('Destroy machines (machine, disk, pinned host key) and forget them')
    .action(async (names: string[], o: InventoryFlags) => {
      await withMachines(o, async (ctx) => {
        for (const n of names) if (!ctx.store.machine(n)) throw new UserError(`No machine "${n}" in the state of inventory "${ctx.inv.name}"`);
        for (const n of names) await destroyMachine(ctx, n);
      });
    });

  addInventoryOptions(machines.command('reconcile'))
    .description('Destroy machines a killed run left (being created or retired, or unknown to the state)')
    .action(async (o: InventoryFlags) => {
      const done = await withMachines(o, (ctx) => reconcile(ctx));
      if (done.length === 0) say('Nothing to reconcile: the provider and the state agree.');
    });
}
