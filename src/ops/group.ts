/**
 * `group`: make sure a local group exists (with a given gid) or does not.
 *
 * The probe is one `getent group` call. A gid change uses `groupmod -g` (files owned by the old
 * gid keep it: change their group yourself). Removing a group that is some user's primary group
 * fails on the host with groupdel's own message.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { sh } from '../shell/quote.js';
import type { OpModule, OpPlan, ProbeOutput } from './types.js';

/** Names useradd/groupadd accept by default on Debian (NAME_REGEX), at most 32 characters. */
export const ACCOUNT_NAME = /^[a-z_][a-z0-9_-]*[$]?$/;

export const accountName = (what: 'user' | 'group') =>
  z
    .string()
    .max(32, `a ${what} name has at most 32 characters`)
    .regex(ACCOUNT_NAME, `expected a ${what} name: a lowercase letter or "_", then lowercase letters, digits, "_" or "-" (optionally ending in "$")`);

export const groupArgs = once(() =>
  z.strictObject({
    name: accountName('group').describe('Group name.'),
    gid: z.number().int().min(0).max(4294967294).optional().describe('Numeric group id (default: the next free one).'),
    system: z.boolean().default(false).describe('Create a system group (gid from the system range). Only used when creating.'),
    state: z.enum(['present', 'absent']).default('present').describe('Whether the group exists.'),
  }),
);

export type GroupArgs = z.output<ReturnType<typeof groupArgs>>;

export interface GroupState {
  exists: boolean;
  gid?: number;
  members?: string[];
}

export function parseGroupProbe(out: ProbeOutput): GroupState {
  const line = out.stdout.split('\n').find((l) => l.startsWith('group='));
  if (!line) {
    if (out.stdout.includes('absent')) return { exists: false };
    throw new Error(`group probe: unexpected output ${JSON.stringify(out.stdout.slice(0, 200))}`);
  }
  const fields = line.slice('group='.length).split(':');
  const gid = Number(fields[2]);
  if (fields.length < 4 || !Number.isInteger(gid)) throw new Error(`group probe: cannot read ${JSON.stringify(line)}`);
  return { exists: true, gid, members: fields[3] ? fields[3].split(',') : [] };
}

function planGroup(args: GroupArgs, state: GroupState): OpPlan {
  if (args.state === 'absent') {
    if (!state.exists) return { changed: false, summary: [] };
    return { changed: true, summary: [`remove group ${args.name} (gid ${state.gid})`], apply: sh`groupdel -- ${args.name}` };
  }
  if (!state.exists) {
    const flags: (string | number)[] = [];
    if (args.gid !== undefined) flags.push('-g', args.gid);
    if (args.system) flags.push('-r');
    const what = [args.gid !== undefined ? `gid ${args.gid}` : '', args.system ? 'system' : ''].filter(Boolean).join(', ');
    return {
      changed: true,
      summary: [`create group ${args.name}${what ? ` (${what})` : ''}`],
      apply: sh`groupadd ${[...flags, '--', args.name]}`,
    };
  }
  if (args.gid !== undefined && state.gid !== args.gid) {
    return {
      changed: true,
      summary: [`change gid of group ${args.name}: ${state.gid} -> ${args.gid}`],
      apply: sh`groupmod -g ${args.gid} -- ${args.name}`,
    };
  }
  return { changed: false, summary: [] };
}

const groupOp: OpModule<GroupArgs, GroupArgs, GroupState> = {
  name: 'group',
  summary: 'Create, change the gid of, or remove a local group.',
  get args() {
    return groupArgs();
  },
  resources: (args) => [`group:${args.name}`],
  probe: (args) => sh`if wpha_g=$(getent group -- ${args.name}); then echo "group=$wpha_g"; else echo absent; fi`,
  parse: (out) => parseGroupProbe(out),
  plan: (args, state) => planGroup(args, state),
};

export default groupOp;
