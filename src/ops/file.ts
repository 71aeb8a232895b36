/**
 * `file`: make a path be a directory, an existing file, a symbolic link, an empty file, or nothing,
 * with the given owner, group and mode.
 *
 *   - name: Web root
 *     file: { path: /srv/www, state: directory, owner: www-data, group: www-data, mode: "0755" }
 *   - name: Enable the site
 *     file: { path: /etc/nginx/sites-enabled/shop, state: link, src: ../sites-available/shop }
 *
 * States:
 *  - `directory`: created with missing parents (`mkdir -p`, mode 0755); only the last one gets
 *    owner/mode.
 *  - `file` (default): the file must already exist (like Ansible it is never created; use `touch`
 *    or `copy`); only its attributes are managed. A missing file fails at apply time.
 *  - `link`: a symlink to `src` (written as given: relative targets stay relative), replaced
 *    atomically when it points elsewhere. A regular file in the way is replaced only with
 *    `force: true`; a directory never is. owner/group apply to the link itself (`chown -h`).
 *  - `touch`: creates an empty file (default mode 0644) when missing. Unlike Ansible it does NOT bump the modification
 *    time of an existing file, so a second run reports no change.
 *  - `absent`: removes a file or link; a DIRECTORY IS REMOVED WITH EVERYTHING IN IT (`rm -rf`).
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { sh } from '../shell/quote.js';
import { absolutePath, attrChanges, attrFields, attrsFragment, FILE_PRELUDE, fileStateProbe, joinSteps, normalizeMode, parseFileState, planError, type FileState } from './lib/index.js';
import type { OpModule, OpPlan, PlanContext } from './types.js';

const fileArgs = once(() =>
  z
    .object({
      path: absolutePath().describe('Absolute path to manage.'),
      state: z
        .enum(['directory', 'file', 'link', 'absent', 'touch'])
        .default('file')
        .describe('What the path must be: directory, file (must exist), link (to src), touch (create empty if missing) or absent (directories are removed recursively).'),
      src: z.string().min(1).optional().describe('Target of the symlink (state: link), written into the link as given; may be relative.'),
      force: z.boolean().default(false).describe('state: link: replace a regular file (or a dangling/other symlink) at path. Directories are never replaced.'),
      ...attrFields(),
    })
    .strict()
    .superRefine((a, ctx) => {
      if (a.state === 'link' && a.src === undefined) ctx.addIssue({ code: 'custom', path: ['src'], message: 'state: link needs src (the link target)' });
      if (a.state !== 'link' && a.src !== undefined) ctx.addIssue({ code: 'custom', path: ['src'], message: 'src is only used with state: link' });
      if (a.src !== undefined && /[\n\0]/.test(a.src)) ctx.addIssue({ code: 'custom', path: ['src'], message: 'must not contain newlines' });
      if (a.state === 'link' && a.mode !== undefined) ctx.addIssue({ code: 'custom', path: ['mode'], message: 'symbolic links have no mode of their own; set it on the target' });
      if (a.state === 'absent' && (a.owner ?? a.group ?? a.mode) !== undefined) ctx.addIssue({ code: 'custom', path: ['state'], message: 'owner, group and mode make no sense with state: absent' });
      if (a.state === 'absent' && a.path === '/') ctx.addIssue({ code: 'custom', path: ['path'], message: 'refusing to remove "/"' });
    }),
);

export type FileArgs = z.output<ReturnType<typeof fileArgs>>;

function planDirectory(a: FileArgs, s: FileState, ctx: PlanContext): OpPlan {
  if (s.type === 'directory') return attrsOnly(a, s);
  if (s.type !== 'absent') throw planError('file', ctx, `"${a.path}" exists and is not a directory (it is a ${describeType(s)})`);
  const parents = s.parentExists ? '' : ' and its missing parents';
  return {
    changed: true,
    summary: [`create directory ${a.path}${parents} (mode ${a.mode ? normalizeMode(a.mode) : '0755'}${a.owner || a.group ? `, ${a.owner ?? 'root'}:${a.group ?? 'root'}` : ''})`],
    // The engine runs with umask 077; new directories (parents too) get the usual 0755.
    apply: joinSteps('umask 022', sh`mkdir -p -- ${a.path}`, hasAttrs(a) ? attrsFragment(a.path, a) : ''),
  };
}

function planExistingFile(a: FileArgs, s: FileState, ctx: PlanContext): OpPlan {
  if (s.type === 'absent') {
    return {
      changed: true,
      summary: [`${a.path} must exist (state: file never creates it)`],
      warnings: [`"${a.path}" does not exist: the apply fails unless an earlier task creates it (use state: touch or copy to create files)`],
      apply: joinSteps(sh`if [ ! -e ${a.path} ]; then echo ${`"${a.path}" does not exist (state: file does not create files; use state: touch or copy)`} >&2; exit 1; fi`, attrsFragment(a.path, a)),
    };
  }
  if (s.type !== 'file') throw planError('file', ctx, `"${a.path}" is a ${describeType(s)}, not a regular file`);
  return attrsOnly(a, s);
}

function planTouch(a: FileArgs, s: FileState, ctx: PlanContext): OpPlan {
  if (s.type === 'file') return attrsOnly(a, s);
  if (s.type !== 'absent') throw planError('file', ctx, `"${a.path}" is a ${describeType(s)}, not a regular file`);
  const plan: OpPlan = {
    changed: true,
    summary: [`create empty file ${a.path} (mode ${a.mode ? normalizeMode(a.mode) : '0644'})`],
    apply: joinSteps('umask 022', sh`: > ${a.path}`, hasAttrs(a) ? attrsFragment(a.path, a) : ''),
  };
  if (!s.parentExists) plan.warnings = [`directory of "${a.path}" does not exist yet: the apply fails unless an earlier task creates it`];
  return plan;
}

function planLink(a: FileArgs, s: FileState, ctx: PlanContext): OpPlan {
  const src = a.src as string;
  const lchown = (): string => joinSteps(a.owner ? sh`chown -h -- ${a.owner} ${a.path}` : '', a.group ? sh`chgrp -h -- ${a.group} ${a.path}` : '');
  if (s.type === 'link' && s.linkTarget === src) {
    const lines = attrChanges({ owner: a.owner, group: a.group }, s).map((l) => `${a.path}: ${l}`);
    return lines.length ? { changed: true, summary: lines, apply: lchown() } : { changed: false, summary: [] };
  }
  if (s.type === 'directory') throw planError('file', ctx, `"${a.path}" is a directory; refusing to replace it with a link`);
  if ((s.type === 'file' || s.type === 'other') && !a.force) {
    throw planError('file', ctx, `"${a.path}" exists and is a ${describeType(s)}; set force: true to replace it with a link to "${src}"`);
  }
  const what =
    s.type === 'link' ? `relink ${a.path} -> ${src} (was -> ${s.linkTarget ?? '?'})` : s.type === 'absent' ? `link ${a.path} -> ${src}` : `replace ${describeType(s)} ${a.path} with a link -> ${src}`;
  // A new link under a temp name, renamed over the path: readers never see it missing.
  const dir = a.path.slice(0, a.path.lastIndexOf('/')) || '/';
  const base = a.path.slice(a.path.lastIndexOf('/') + 1);
  return {
    changed: true,
    summary: [what],
    apply: joinSteps(sh`_wpt=$(mktemp -u ${`${dir}/.${base}.wpha-XXXXXX`})`, sh`ln -s -- ${src} "$_wpt"`, sh`mv -fT -- "$_wpt" ${a.path} || { rm -f -- "$_wpt"; exit 1; }`, lchown()),
  };
}

function planAbsent(a: FileArgs, s: FileState): OpPlan {
  if (s.type === 'absent') return { changed: false, summary: [] };
  if (s.type === 'directory') return { changed: true, summary: [`remove directory ${a.path} and everything in it`], apply: sh`rm -rf -- ${a.path}` };
  return { changed: true, summary: [`remove ${describeType(s)} ${a.path}`], apply: sh`rm -f -- ${a.path}` };
}

function attrsOnly(a: FileArgs, s: FileState): OpPlan {
  const lines = attrChanges(a, s).map((l) => `${a.path}: ${l}`);
  return lines.length ? { changed: true, summary: lines, apply: attrsFragment(a.path, a) } : { changed: false, summary: [] };
}

function hasAttrs(a: FileArgs): boolean {
  return a.owner !== undefined || a.group !== undefined || a.mode !== undefined;
}

function describeType(s: FileState): string {
  return s.type === 'file' ? 'regular file' : s.type === 'link' ? 'symbolic link' : s.type === 'other' ? 'special file' : s.type;
}

const fileOp: OpModule<FileArgs, FileArgs, FileState> = {
  name: 'file',
  summary: 'Make a path a directory, an existing file, a symlink, an empty file, or absent, with owner/group/mode.',
  prelude: FILE_PRELUDE,
  get args() {
    return fileArgs();
  },
  resources: (a) => [a.path],
  probe: (a) => fileStateProbe(a.path, { content: 'none' }),
  parse: (out, a) => parseFileState(out, a.path),
  plan(a, s, ctx) {
    switch (a.state) {
      case 'directory':
        return planDirectory(a, s, ctx);
      case 'file':
        return planExistingFile(a, s, ctx);
      case 'touch':
        return planTouch(a, s, ctx);
      case 'link':
        return planLink(a, s, ctx);
      case 'absent':
        return planAbsent(a, s);
    }
  },
};

export default fileOp;
