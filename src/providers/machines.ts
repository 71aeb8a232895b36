/**
 * Making and destroying an inventory's machines, the same for every provider. Each step is
 * written to the state file before it is acted on, so that a run killed at any point leaves a
 * record of what it was doing: `reconcile` then finds what a killed run left (a machine being
 * created, one being retired, one the provider has but the state does not) and destroys it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Inventory } from '../model.js';
import { UserError, WphaError } from '../errors.js';
import type { StateStore } from '../state/state-file.js';
import type { MachineRecord } from '../state/schema.js';
import { unpin, waitAndPin, type PinTarget } from './host-keys.js';
import type { Providers } from './registry.js';

export interface MachineContext {
  inv: Inventory;
  store: StateStore;
  providers: Providers;
  log: (s: string) => void;
}

export interface MakeOptions {
  image: string;
  /** Status once it answers on SSH with the right key. */
  status: 'canary' | 'serving';
  rollout?: string;
  replaces?: string[];
  replacedImage?: string;
}

function groupMachines(inv: Inventory, group: string) {
  const spec = inv.groups.get(group)?.machines;
  if (!spec) throw new UserError(`Group "${group}" of inventory "${inv.name}" has no "machines:" settings: no provider makes its hosts`);
  return spec;
}

/** A name no host of the inventory or the state has: <prefix>-<4 hex>. */
export function newMachineName(prefix: string, taken: (n: string) => boolean, random = () => randomBytes(2).toString('hex')): string {
  for (let i = 0; i < 1000; i++) {
    const name = `${prefix}-${random()}`;
    if (!taken(name)) return name;
  }
  throw new WphaError(`Cannot find a free machine name with prefix "${prefix}"`);
}

function sshPublicKey(inv: Inventory): string {
  const key = inv.machineConnection?.ssh.keyFile;
  if (!key || !existsSync(`${key}.pub`)) {
    throw new UserError(`Cannot give new machines an SSH key: inventory "${inv.name}" must set defaults.ssh.key, with the public key beside it (${key ? `"${key}.pub" is missing` : 'no key is set'})`);
  }
  return readFileSync(`${key}.pub`, 'utf8').trim();
}

export function pinTarget(ctx: MachineContext, name: string, address: string): PinTarget {
  const conn = ctx.inv.machineConnection!;
  return { name, address, port: conn.port, knownHosts: conn.ssh.knownHosts };
}

export async function makeMachine(ctx: MachineContext, group: string, opts: MakeOptions): Promise<{ name: string; address: string }> {
  const spec = groupMachines(ctx.inv, group);
  const provider = ctx.providers.get(spec.provider);
  const name = newMachineName(spec.name_prefix ?? group, (n) => ctx.inv.hosts.has(n) || ctx.store.machine(n) !== undefined);
  const key = sshPublicKey(ctx.inv);
  const rec: MachineRecord = {
    group,
    provider: spec.provider,
    image: opts.image,
    created: new Date().toISOString(),
    status: 'creating',
    ...(opts.rollout ? { rollout: opts.rollout } : {}),
    ...(opts.replaces ? { replaces: opts.replaces } : {}),
    ...(opts.replacedImage ? { replaced_image: opts.replacedImage } : {}),
  };
  ctx.store.setMachine(name, rec);
  let id: string | undefined;
  try {
    const size = spec.size ?? {};
    const made = await provider.create({
      name,
      group,
      image: opts.image,
      sshPublicKey: key,
      size: { cpus: size.cpus ?? 1, memoryMb: size.memory_mb ?? 1024, ...(size.disk_gb ? { diskGb: size.disk_gb } : {}) },
      firstBoot: { hostname: name, user: ctx.inv.machineConnection!.user },
    });
    id = made.id;
    ctx.store.patchMachine(name, { provider_id: made.id, address: made.address });
    const pinned = await waitAndPin(pinTarget(ctx, name, made.address), made.hostKeys, { timeoutMs: 120_000, log: ctx.log });
    ctx.store.patchMachine(name, { status: opts.status });
    ctx.log(`${name}: made by ${spec.provider} from image ${opts.image} at ${made.address}, host key ${pinned.fingerprint}`);
    return { name, address: made.address };
  } catch (e) {
    // A machine that never became a member is destroyed at once, not left for a later run.
    await provider.destroy(id ?? name).catch((d: unknown) => ctx.log(`warning: cannot destroy the failed machine "${name}": ${(d as Error).message}`));
    ctx.store.dropMachine(name);
    throw e;
  }
}

/** Destroys a machine (provider, disk, pinned key) and forgets it. */
export async function destroyMachine(ctx: MachineContext, name: string): Promise<void> {
  const rec = ctx.store.machine(name);
  if (!rec) throw new UserError(`No machine "${name}" in the state of inventory "${ctx.inv.name}"`);
  if (rec.status !== 'retiring') ctx.store.patchMachine(name, { status: 'retiring' });
  await ctx.providers.get(rec.provider).destroy(rec.provider_id ?? name);
  if (rec.address) unpin(pinTarget(ctx, name, rec.address));
  ctx.store.dropMachine(name);
  ctx.log(`${name}: destroyed (machine and disk)`);
}

/**
 * After a killed run: machines the provider has that the state does not know (killed between
 * the provider's answer and the state write) or that were still being created or retired are
 * destroyed; state entries of machines being created that the provider never made are dropped.
 */
export async function reconcile(ctx: MachineContext): Promise<string[]> {
  const done: string[] = [];
  for (const provider of ctx.providers.used()) {
    const made = await provider.list();
    for (const m of made) {
      const rec = ctx.store.machine(m.name);
      if (rec && rec.status !== 'creating' && rec.status !== 'retiring') continue;
      await provider.destroy(m.id);
      done.push(`${m.name}: ${rec ? `was ${rec.status}` : 'unknown to the state'}, destroyed`);
    }
    for (const [name, rec] of Object.entries(ctx.store.state.machines)) {
      if (rec.provider !== provider.name || (rec.status !== 'creating' && rec.status !== 'retiring')) continue;
      if (rec.address) unpin(pinTarget(ctx, name, rec.address));
      ctx.store.dropMachine(name);
      if (!made.some((m) => m.name === name)) done.push(`${name}: was ${rec.status}, no such machine at the provider, forgotten`);
    }
  }
  done.forEach((d) => ctx.log(d));
  return done;
}
