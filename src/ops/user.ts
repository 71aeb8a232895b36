/**
 * `user`: make sure a local user account exists with the given attributes, or does not.
 *
 * The probe reads `getent passwd` and `id` (and `passwd -S` only when `password_lock` is set:
 * it prints the lock status, never the hash). Creating runs `useradd`, changing `usermod`,
 * removing `userdel` (with `remove: true` also the home directory and mail spool).
 *
 * `groups` are supplementary groups: by default the user ends up in exactly those (plus its
 * primary group); with `append: true` missing ones are added and others kept. The groups must
 * exist (create them with the `group` op first). `home` on an existing user only changes the
 * account entry; files are not moved. `system` and `create_home` only matter when creating
 * (`create_home` defaults to true for normal users, false for system users).
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { sh } from '../shell/quote.js';
import { accountName } from './group.js';
import { joinSteps } from './lib/plan-file.js';
import type { OpModule, OpPlan, ProbeOutput } from './types.js';

const noColonPath = (what: string) => z.string().regex(/^\/[^:\n]*$/, `expected an absolute ${what} path without ":" or newlines`);

export const userArgs = once(() =>
  z
    .strictObject({
      name: accountName('user').describe('User name.'),
      state: z.enum(['present', 'absent']).default('present').describe('Whether the account exists.'),
      uid: z.number().int().min(0).max(4294967294).optional().describe('Numeric user id.'),
      group: z
        .union([accountName('group'), z.number().int().min(0)])
        .optional()
        .describe('Primary group (name or gid). Default when creating: a new group named like the user.'),
      groups: z.array(accountName('group')).optional().describe('Supplementary groups (see append).'),
      append: z.boolean().default(false).describe('Only add the listed groups; keep the user in its other groups.'),
      shell: noColonPath('shell').optional().describe('Login shell, e.g. /bin/bash or /usr/sbin/nologin.'),
      home: noColonPath('home').optional().describe('Home directory (default when creating: /home/NAME).'),
      comment: z
        .string()
        .regex(/^[^:\n]*$/, 'a comment cannot contain ":" or newlines')
        .optional()
        .describe('GECOS comment (full name).'),
      create_home: z.boolean().optional().describe('Create the home directory when creating the user (default: true unless system).'),
      system: z.boolean().default(false).describe('Create a system account (uid from the system range). Only used when creating.'),
      password_lock: z.boolean().optional().describe('true: lock the password (key-only logins); false: unlock it.'),
      remove: z.boolean().default(false).describe('With state absent: also delete the home directory and mail spool.'),
    })
    .superRefine((a, ctx) => {
      if (a.append && a.groups === undefined) ctx.addIssue({ code: 'custom', path: ['append'], message: 'append needs groups' });
      if (a.remove && a.state !== 'absent') ctx.addIssue({ code: 'custom', path: ['remove'], message: 'remove only applies to state: absent' });
    }),
);

export type UserArgs = z.output<ReturnType<typeof userArgs>>;

interface IdGroup {
  id: number;
  name?: string;
}

export interface UserState {
  exists: boolean;
  uid?: number;
  gid?: number;
  comment?: string;
  home?: string;
  shell?: string;
  /** Primary group from `id` (gid and name). */
  primary?: IdGroup;
  /** All groups from `id`, primary included. */
  groups?: IdGroup[];
  /** From `passwd -S` when asked: L (locked), P (usable password), NP (no password). */
  passwordStatus?: string;
}

function parseIdGroups(text: string): IdGroup[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((g) => {
      const m = /^(\d+)(?:\((.*)\))?$/.exec(g);
      if (!m) throw new Error(`user probe: cannot read group ${JSON.stringify(g)}`);
      return { id: Number(m[1]), ...(m[2] !== undefined ? { name: m[2] } : {}) };
    });
}

export function parseUserProbe(out: ProbeOutput): UserState {
  const lines = out.stdout.split('\n');
  const get = (key: string) => lines.find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1);
  const passwd = get('passwd');
  if (passwd === undefined) {
    if (lines.includes('absent')) return { exists: false };
    throw new Error(`user probe: unexpected output ${JSON.stringify(out.stdout.slice(0, 200))}`);
  }
  const f = passwd.split(':');
  if (f.length !== 7) throw new Error(`user probe: cannot read passwd entry ${JSON.stringify(passwd)}`);
  const state: UserState = { exists: true, uid: Number(f[2]), gid: Number(f[3]), comment: f[4]!, home: f[5]!, shell: f[6]! };
  const id = get('id');
  const gidPart = id && /\bgid=(\S+)/.exec(id);
  if (gidPart) state.primary = parseIdGroups(gidPart[1]!)[0]!;
  const groupsPart = id && /\bgroups=(\S+)/.exec(id);
  state.groups = groupsPart ? parseIdGroups(groupsPart[1]!) : [];
  const pw = get('pwstatus');
  if (pw !== undefined) state.passwordStatus = pw.split(' ')[1] ?? '';
  return state;
}

const matches = (g: IdGroup, want: string | number) => (typeof want === 'number' ? g.id === want : g.name === want || String(g.id) === want);

function createPlan(args: UserArgs): OpPlan {
  const flags: (string | number)[] = [];
  const notes: string[] = [];
  if (args.uid !== undefined) flags.push('-u', args.uid), notes.push(`uid ${args.uid}`);
  if (args.group !== undefined) flags.push('-g', args.group), notes.push(`group ${args.group}`);
  if (args.groups?.length) flags.push('-G', args.groups.join(',')), notes.push(`groups ${args.groups.join(', ')}`);
  if (args.shell) flags.push('-s', args.shell), notes.push(`shell ${args.shell}`);
  if (args.home) flags.push('-d', args.home), notes.push(`home ${args.home}`);
  if (args.comment !== undefined) flags.push('-c', args.comment);
  if (args.system) flags.push('-r'), notes.push('system');
  flags.push((args.create_home ?? !args.system) ? '-m' : '-M');
  // useradd -m copies /etc/skel: the usual umask, explicitly (never a private 077).
  const lines = ['umask 022', sh`useradd ${flags} -- ${args.name}`];
  if (args.password_lock === true) lines.push(sh`usermod -L -- ${args.name}`);
  return { changed: true, summary: [`create user ${args.name}${notes.length ? ` (${notes.join(', ')})` : ''}`], apply: joinSteps(...lines) };
}

function changePlan(args: UserArgs, state: UserState): OpPlan {
  const flags: (string | number)[] = [];
  const notes: string[] = [];
  if (args.uid !== undefined && state.uid !== args.uid) flags.push('-u', args.uid), notes.push(`uid ${state.uid} -> ${args.uid}`);
  if (args.group !== undefined && !(state.primary && matches(state.primary, args.group)))
    flags.push('-g', args.group), notes.push(`primary group ${state.primary?.name ?? state.gid} -> ${args.group}`);
  if (args.groups !== undefined) {
    const primaryId = state.primary?.id ?? state.gid;
    const current = (state.groups ?? []).filter((g) => g.id !== primaryId);
    const missing = args.groups.filter((w) => !current.some((g) => matches(g, w)) && !(state.primary && matches(state.primary, w)));
    const extra = args.append ? [] : current.filter((g) => !args.groups!.some((w) => matches(g, w)));
    if (missing.length || extra.length) {
      if (args.append) flags.push('-a', '-G', missing.join(','));
      else flags.push('-G', args.groups.join(','));
      if (missing.length) notes.push(`add to groups ${missing.join(', ')}`);
      if (extra.length) notes.push(`remove from groups ${extra.map((g) => g.name ?? g.id).join(', ')}`);
    }
  }
  if (args.shell !== undefined && state.shell !== args.shell) flags.push('-s', args.shell), notes.push(`shell ${state.shell} -> ${args.shell}`);
  if (args.home !== undefined && state.home !== args.home) flags.push('-d', args.home), notes.push(`home ${state.home} -> ${args.home}`);
  if (args.comment !== undefined && state.comment !== args.comment) flags.push('-c', args.comment), notes.push(`comment "${state.comment}" -> "${args.comment}"`);
  const lines: string[] = [];
  if (flags.length) lines.push(sh`usermod ${flags} -- ${args.name}`);
  if (args.password_lock !== undefined) {
    const locked = state.passwordStatus === 'L';
    if (args.password_lock && !locked) lines.push(sh`usermod -L -- ${args.name}`), notes.push('lock password');
    if (!args.password_lock && locked) lines.push(sh`usermod -U -- ${args.name}`), notes.push('unlock password');
  }
  if (lines.length === 0) return { changed: false, summary: [] };
  return { changed: true, summary: [`change user ${args.name}: ${notes.join('; ')}`], apply: joinSteps(...lines) };
}

function planUser(args: UserArgs, state: UserState): OpPlan {
  if (args.state === 'absent') {
    if (!state.exists) return { changed: false, summary: [] };
    return {
      changed: true,
      summary: [`remove user ${args.name} (uid ${state.uid})${args.remove ? ` and its home ${state.home}` : ''}`],
      apply: joinSteps(args.remove ? sh`userdel -r -- ${args.name}` : sh`userdel -- ${args.name}`),
    };
  }
  return state.exists ? changePlan(args, state) : createPlan(args);
}

const userOp: OpModule<UserArgs, UserArgs, UserState> = {
  name: 'user',
  summary: 'Create, change or remove a local user account.',
  get args() {
    return userArgs();
  },
  resources: (args) => [`user:${args.name}`, ...(args.group !== undefined && typeof args.group === 'string' ? [`group:${args.group}`] : []), ...(args.groups ?? []).map((g) => `group:${g}`)],
  probe(args) {
    const lines = [
      sh`if wpha_u=$(getent passwd -- ${args.name}); then`,
      sh`  echo "passwd=$wpha_u"; echo "id=$(id -- ${args.name})"`,
      ...(args.password_lock !== undefined ? [sh`  echo "pwstatus=$(passwd -S -- ${args.name})"`] : []),
      'else echo absent; fi',
    ];
    return lines.join('\n');
  },
  parse: (out) => parseUserProbe(out),
  plan: (args, state) => planUser(args, state),
};

export default userOp;
