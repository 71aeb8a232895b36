/**
 * The state file next to an inventory (`wpha-state.json`): the hosts a provider made for the
 * inventory (name, provider and its id, image generation, address, creation time, where the host
 * is in its life) and the rollout under way, if any. wpha writes it (atomically, under a lock);
 * the inventory loader reads it so that provider-made hosts join their groups like written ones.
 */
import { z } from 'zod';
import { MACHINE_STATUSES, type MachineStatus } from '../spec/machines.js';

/** Statuses of hosts that are members of their group (configured, connected to, load balanced). */
export const MEMBER_STATUSES: ReadonlySet<MachineStatus> = new Set(['canary', 'serving', 'draining']);

export const MachineRecordSchema = z.strictObject({
  group: z.string().describe('Inventory group the host belongs to.'),
  provider: z.string().describe('Name of the provider (inventory `providers:` key) that made it.'),
  provider_id: z.string().optional().describe("The provider's own id (lab machine name, Proxmox VMID)."),
  image: z.string().describe('Image generation the host was made from.'),
  address: z.string().optional().describe('Address the host answers on (unknown while creating).'),
  created: z.string().describe('When it was asked of the provider (ISO 8601).'),
  status: z.enum(MACHINE_STATUSES),
  rollout: z.string().optional().describe('Id of the rollout that made it or is retiring it.'),
  replaces: z.array(z.string()).optional().describe('Hosts this one was made to replace (rollback restores their image).'),
  replaced_image: z.string().optional().describe('Image of the hosts it replaces.'),
});
export type MachineRecord = z.infer<typeof MachineRecordSchema>;

/** The rollout under way (`wpha upgrade`): enough to resume it or roll it back after a crash. */
export const RolloutRecordSchema = z.strictObject({
  id: z.string(),
  group: z.string(),
  image: z.string(),
  mode: z.enum(['replace', 'in-place']),
  started: z.string(),
  /** `running` while a process works on it (or was killed doing so), `paused` at a checkpoint, `failed` after a stop. */
  status: z.enum(['running', 'paused', 'failed']),
  /** The controls it was started with, as given on the command line (re-used by --continue). */
  options: z.record(z.string(), z.unknown()),
  /** Hosts replaced (or upgraded in place) so far, for checkpoints. */
  done: z.number().int().min(0),
  /** Hosts to replace when it started (checkpoint percentages are of this). */
  total: z.number().int().min(0),
  checkpoints_passed: z.array(z.string()),
  /** In-place mode: the host taken out of its pool right now. */
  in_place_host: z.string().optional(),
  /** In-place mode: hosts upgraded by this rollout (a re-run leaves them alone). */
  done_hosts: z.array(z.string()).optional(),
  /** Set while rolling back to the hosts' previous images. */
  rolling_back: z.boolean().optional(),
  last_error: z.string().optional(),
  /** The machine running it (`user@host pid N`). */
  holder: z.string(),
});
export type RolloutRecord = z.infer<typeof RolloutRecordSchema>;

export const StateFileSchema = z.strictObject({
  version: z.literal(1),
  /** Random id of this state: provider-made machines are tagged with it, so orphans can be found. */
  id: z.string().regex(/^[a-z0-9]{8,32}$/),
  machines: z.record(z.string(), MachineRecordSchema),
  rollout: RolloutRecordSchema.optional(),
});
export type StateFile = z.infer<typeof StateFileSchema>;

export const STATE_FILE = 'wpha-state.json';
export const STATE_LOCK = 'wpha-state.lock';
