/**
 * `authorized_key`: SSH public keys allowed to log in as a user.
 *
 * Edits `~user/.ssh/authorized_keys` (or `path`): with `state: present` each key is there exactly
 * once, as given (a line with the same key but other options or comment is replaced; other lines
 * are kept; new keys are appended); `exclusive: true` leaves ONLY the given keys; `state: absent`
 * removes them. The file is written atomically, 0600, owned by the user and its primary group,
 * and only if it still has the content the probe read. With the default path (or
 * `manage_dir: true`) the key file's directory is created 0700 for the user when missing, and
 * its owner and mode are corrected. Each key is checked: options, a known type, a base64 blob
 * that really is a key of that type, an optional comment, and no newlines.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { sh } from '../shell/quote.js';
import { editKeys, isKeyLine, parseKeyLine, type KeyLine } from './authorized-key-lines.js';
import { accountName } from './group.js';
import { absolutePath, attrChanges } from './lib/attrs.js';
import { EDIT_MAX_BYTES, parseFileState, type FileState } from './lib/file-state.js';
import { joinSteps, planError, planFile } from './lib/plan-file.js';
import { FILE_PRELUDE } from './lib/prelude.js';
import type { OpModule, OpPlan, PlanContext, ProbeOutput } from './types.js';

const keyLine = once(() =>
  z.string().superRefine((s, ctx) => {
    const k = parseKeyLine(s);
    if (!isKeyLine(k)) ctx.addIssue({ code: 'custom', message: k.error });
  }),
);

export const authorizedKeyArgs = once(() =>
  z
    .strictObject({
      user: accountName('user').describe('Account whose logins the keys allow.'),
      key: z.union([keyLine(), z.array(keyLine()).min(1)]).describe('Public key line(s): "[options] TYPE BASE64 [comment]", e.g. the content of id_ed25519.pub.'),
      state: z.enum(['present', 'absent']).default('present').describe('present: the keys are allowed; absent: they are removed.'),
      exclusive: z.boolean().default(false).describe('Remove every other key (and line) from the file.'),
      path: absolutePath().optional().describe('Key file (default ~user/.ssh/authorized_keys).'),
      manage_dir: z.boolean().optional().describe('Create/fix the key file directory (0700, owned by the user). Default: true without path, false with path.'),
    })
    .refine((a) => !(a.exclusive && a.state === 'absent'), { message: 'exclusive only applies to state: present', path: ['exclusive'] }),
);

export type AuthorizedKeyArgs = z.output<ReturnType<typeof authorizedKeyArgs>>;

export interface AuthorizedKeyState {
  userExists: boolean;
  home?: string;
  gid?: number;
  dir?: FileState;
  file?: FileState;
}

export const keysOf = (a: AuthorizedKeyArgs): KeyLine[] => (Array.isArray(a.key) ? a.key : [a.key]).map((k) => parseKeyLine(k) as KeyLine);
const manageDir = (a: AuthorizedKeyArgs) => a.manage_dir ?? a.path === undefined;

/** The key file: `path`, or under the home directory the probe found. */
export function keyFilePath(a: AuthorizedKeyArgs, home: string): string {
  return a.path ?? `${home.replace(/\/$/, '')}/.ssh/authorized_keys`;
}

const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';

function probe(a: AuthorizedKeyArgs): string {
  // The file's location depends on the home directory, known only on the host.
  const file = a.path ? sh`${a.path}` : '"$wpha_h/.ssh/authorized_keys"';
  const dir = a.path ? sh`${parentOf(a.path)}` : '"$wpha_h/.ssh"';
  return [
    sh`if wpha_pw=$(getent passwd -- ${a.user}); then`,
    '  wpha_h=${wpha_pw#*:*:*:*:*:}; wpha_h=${wpha_h%:*}; wpha_g=${wpha_pw#*:*:*:}; wpha_g=${wpha_g%%:*}',
    '  echo "@home=$wpha_h"; echo "@gid=$wpha_g"',
    ...(manageDir(a) ? ['  echo @dir', `  wpha_fstate ${dir} - '' 0`] : []),
    '  echo @file',
    `  wpha_fstate ${file} sa '' ${EDIT_MAX_BYTES}`,
    'else echo @user=absent; fi',
  ].join('\n');
}

export function parseAuthorizedKeyProbe(out: ProbeOutput, a: AuthorizedKeyArgs): AuthorizedKeyState {
  const lines = out.stdout.split('\n');
  if (lines.includes('@user=absent')) return { userExists: false };
  const home = lines.find((l) => l.startsWith('@home='))?.slice(6);
  const gid = Number(lines.find((l) => l.startsWith('@gid='))?.slice(5));
  if (home === undefined || !Number.isInteger(gid)) throw new Error(`authorized_key probe: unexpected output ${JSON.stringify(out.stdout.slice(0, 200))}`);
  const section = (name: string) => {
    const start = lines.indexOf(name);
    if (start < 0) return undefined;
    const end = lines.findIndex((l, i) => i > start && l.startsWith('@'));
    return lines.slice(start + 1, end < 0 ? undefined : end).join('\n');
  };
  const file = keyFilePath(a, home);
  const dirText = section('@dir');
  const fileText = section('@file');
  if (fileText === undefined) throw new Error('authorized_key probe: no file section');
  return {
    userExists: true,
    home,
    gid,
    ...(dirText !== undefined ? { dir: parseFileState({ stdout: dirText, rc: out.rc }, parentOf(file)) } : {}),
    file: parseFileState({ stdout: fileText, rc: out.rc }, file),
  };
}

function planAuthorizedKey(a: AuthorizedKeyArgs, s: AuthorizedKeyState, ctx: PlanContext): OpPlan {
  if (!s.userExists) {
    if (a.state === 'absent') return { changed: false, summary: [] };
    throw planError('authorized_key', ctx, `user "${a.user}" does not exist (create it first with the user op)`);
  }
  const file = keyFilePath(a, s.home!);
  const dir = parentOf(file);
  const fs = s.file!;
  if (fs.type === 'file' && fs.content === undefined) throw planError('authorized_key', ctx, `"${file}" could not be read (${fs.contentSkipped ?? 'no content'})`);
  if (a.state === 'absent' && fs.type === 'absent') return { changed: false, summary: [] };
  const edit = editKeys(fs.content?.toString('utf8') ?? '', keysOf(a), a.state === 'absent' ? 'absent' : a.exclusive ? 'exclusive' : 'present');
  const attrs = { mode: '0600', owner: a.user, group: String(s.gid) };
  const summary: string[] = [];
  const lines: string[] = [];
  if (manageDir(a) && s.dir && a.state === 'present') {
    if (s.dir.type === 'absent') {
      summary.push(`create ${dir} (mode 0700, ${a.user})`);
      lines.push(sh`install -d -m 0700 -o ${a.user} -g ${attrs.group} -- ${dir}`);
    } else if (s.dir.type !== 'directory') {
      throw planError('authorized_key', ctx, `"${dir}" exists and is not a directory`);
    } else {
      const dirAttrs = { mode: '0700', owner: a.user, group: attrs.group };
      const changes = attrChanges(dirAttrs, s.dir);
      if (changes.length) {
        summary.push(...changes.map((c) => `${dir}: ${c}`));
        lines.push(sh`wpha_attrs ${dir} 0700 ${a.user} ${attrs.group}`);
      }
    }
  }
  const { contentChanged: _c, attrsChanged: _a, ...filePlan } = planFile({ op: 'authorized_key', path: file, content: Buffer.from(edit.text), attrs, guardProbedContent: true }, fs, ctx);
  summary.push(...edit.actions, ...filePlan.summary);
  if (filePlan.apply) lines.push(filePlan.apply);
  if (lines.length === 0) return { changed: false, summary: [] };
  const plan: OpPlan = { changed: true, summary, apply: joinSteps(...lines) };
  if (filePlan.files) plan.files = filePlan.files;
  if (filePlan.diff) plan.diff = filePlan.diff;
  // planFile warns when the directory is missing; here it is created first (or the write fails clearly).
  const warnings = (filePlan.warnings ?? []).filter((w) => !(manageDir(a) && w.startsWith('directory of')));
  if (warnings.length) plan.warnings = warnings;
  return plan;
}

const authorizedKeyOp: OpModule<AuthorizedKeyArgs, AuthorizedKeyArgs, AuthorizedKeyState> = {
  name: 'authorized_key',
  summary: "Allow (or remove) SSH public keys in a user's authorized_keys file.",
  get args() {
    return authorizedKeyArgs();
  },
  prelude: FILE_PRELUDE,
  resources: (a) => [`user:${a.user}`, ...(a.path ? [a.path] : [])],
  probe: (a) => probe(a),
  parse: parseAuthorizedKeyProbe,
  plan: planAuthorizedKey,
};

export default authorizedKeyOp;
