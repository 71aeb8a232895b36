/**
 * Arguments every file op shares (path, mode, owner, group) as zod schemas, and the pure
 * comparison of wanted attributes against a probed FileState.
 */
import { z } from 'zod';
import { once } from './lazy.js';
import { sh } from '../../shell/quote.js';
import type { FileState } from './file-state.js';

/** An absolute path without `.`/`..` segments, newlines or a trailing slash. */
export const absolutePath = once(() =>
  z
    .string()
    .min(1)
    .refine((p) => p.startsWith('/'), { message: 'must be an absolute path (start with "/")' })
    .refine((p) => !/[\n\r\0]/.test(p), { message: 'must not contain newlines or NUL bytes' })
    .refine((p) => p === '/' || !p.endsWith('/'), { message: 'must not end with "/"' })
    .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), { message: 'must not contain "." or ".." segments' }),
);

const OCTAL_MODE = /^0?[0-7]{3,4}$/;

/**
 * A file mode as an octal STRING ("0644", "644", "2755"). Numbers are refused: YAML reads an
 * unquoted 0755 as 493 (YAML 1.1) or 755 (YAML 1.2), and either way the intent is lost.
 */
export const fileMode = once(() =>
  z
    .unknown()
    .transform((value, ctx) => {
      if (typeof value === 'number') {
        ctx.addIssue({
          code: 'custom',
          message: `mode must be a quoted octal string such as "0644", not the number ${value} (an unquoted 0755 in YAML is read as 493 or 755 depending on the YAML version)`,
        });
        return z.NEVER;
      }
      if (typeof value !== 'string' || !OCTAL_MODE.test(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `mode must be an octal string such as "0644" or "2755" (symbolic modes like "u=rw" are not supported), got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return normalizeMode(value);
    })
    .describe('Permissions as a quoted octal string, e.g. "0644" or "0750" (numbers are refused: YAML reads 0755 as 493).'),
);

/** A user or group: a name (Debian's useradd rules, loosened to allow upper case) or a numeric id. */
const ACCOUNT = /^(?:[0-9]+|[A-Za-z_][A-Za-z0-9_.-]*\$?)$/;
export const accountName = (what: 'owner' | 'group') =>
  z
    .string()
    .max(32)
    .regex(ACCOUNT, { message: `${what} must be a user/group name or a numeric id` })
    .describe(what === 'owner' ? 'Owner: user name or numeric uid.' : 'Group: group name or numeric gid.');

/** Add these to an op's zod object: `...attrFields()`. */
export const attrFields = once(() => ({
  owner: accountName('owner').optional(),
  group: accountName('group').optional(),
  mode: fileMode().optional(),
}));

export interface FileAttrs {
  mode?: string;
  owner?: string;
  group?: string;
}

/** "644" -> "0644", "02755" -> "2755": always 4 digits, as the probe reports modes. */
export function normalizeMode(mode: string): string {
  return mode.replace(/^0(?=[0-7]{4}$)/, '').padStart(4, '0');
}

/** One human line per attribute that differs, e.g. `mode 0600 -> 0644`. Empty when all match. */
export function attrChanges(want: FileAttrs, state: FileState): string[] {
  const out: string[] = [];
  if (want.owner !== undefined && !sameAccount(want.owner, state.owner, state.uid)) {
    out.push(`owner ${state.owner ?? '?'} -> ${want.owner}`);
  }
  if (want.group !== undefined && !sameAccount(want.group, state.group, state.gid)) {
    out.push(`group ${state.group ?? '?'} -> ${want.group}`);
  }
  if (want.mode !== undefined && normalizeMode(want.mode) !== state.mode) {
    out.push(`mode ${state.mode ?? '?'} -> ${normalizeMode(want.mode)}`);
  }
  return out;
}

function sameAccount(want: string, name: string | undefined, id: number | undefined): boolean {
  return /^[0-9]+$/.test(want) ? Number(want) === id : want === name;
}

/** Apply fragment setting only the given attributes on an existing path (needs FILE_PRELUDE). */
export function attrsFragment(path: string, want: FileAttrs): string {
  return sh`wpha_attrs ${path} ${want.mode ?? ''} ${want.owner ?? ''} ${want.group ?? ''}`;
}
