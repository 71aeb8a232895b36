/**
 * Task rules: handlers nobody notifies, commands an operation does better, and configuration
 * files of services that can check them written without `validate:`.
 */
import type { TaskSpec } from '../model.js';
import { OPS } from '../ops/registry.js';
import type { LintRole } from './collect.js';
import { finding, type Finding } from './rules.js';

export function handlerRules(name: string, roles: ReadonlyMap<string, LintRole>): Finding[] {
  const notified = new Set([...roles.values()].flatMap((r) => [...r.spec.tasks, ...r.spec.handlers].flatMap((t) => t.notify)));
  const role = roles.get(name)!;
  return role.spec.handlers
    .filter((h) => ![h.name, ...h.listen].some((n) => notified.has(n)))
    .map((h) => finding('handler-unused', h.location, `Handler "${h.name}" is never notified (no task of any role notifies "${[h.name, ...h.listen].join('" or "')}")`));
}

interface Replacement {
  op: string;
  how: string;
}

/** Programs (and sub-commands) an operation replaces, by the command's first words. */
const REPLACEMENTS: [RegExp, Replacement][] = [
  [
    /^systemctl\s+(?:--\S+\s+)*(start|stop|restart|reload|enable|disable|try-restart|reload-or-restart)\s/,
    { op: 'service', how: 'service: { name: ..., state: started|stopped|restarted|reloaded, enabled: ... }' },
  ],
  [/^service\s+\S+\s+(start|stop|restart|reload)\b/, { op: 'service', how: 'service: { name: ..., state: ... }' }],
  [/^(apt-get|apt)\s+(?:-\S+\s+)*install\s/, { op: 'apt', how: 'apt: { name: [...], state: present }' }],
  [/^(apt-get|apt)\s+(?:-\S+\s+)*(remove|purge)\s/, { op: 'apt', how: 'apt: { name: [...], state: absent }' }],
  [/^mkdir\s/, { op: 'file', how: 'file: { path: ..., state: directory, mode: ... }' }],
  [/^ln\s+-\w*s/, { op: 'file', how: 'file: { path: ..., src: ..., state: link }' }],
  [/^(chmod|chown|chgrp)\s/, { op: 'file', how: 'file: { path: ..., mode: ..., owner: ..., group: ... }' }],
  [/^rm\s+(?:-\w+\s+)*\//, { op: 'file', how: 'file: { path: ..., state: absent }' }],
  [/^(useradd|adduser)\s/, { op: 'user', how: 'user: { name: ... }' }],
  [/^(groupadd|addgroup)\s/, { op: 'group', how: 'group: { name: ... }' }],
  [/^sysctl\s+(-\w+\s+)*-w\s/, { op: 'sysctl', how: 'sysctl: { name: ..., value: ... }' }],
  [/^(curl|wget)\s.*\s(-o|-O|--output)\s/, { op: 'get_url', how: 'get_url: { url: ..., dest: ..., sha256: ... }' }],
  [/^tar\s+(-?\w*x|--extract)/, { op: 'unarchive', how: 'unarchive: { src: ... or url: ... with sha256: ..., dest: ..., strip_components: ... }' }],
  [/^crontab\s/, { op: 'cron', how: 'cron: { ... }' }],
  [/^git\s+clone\s/, { op: 'git', how: 'git: { repo: ..., ref: ..., dest: ... }' }],
  [/^mount\s/, { op: 'mount', how: 'mount: { what: ..., where: ..., type: ..., options: ... }' }],
];

/** The command text of a shell/command task when it is ONE simple command (no ;, &&, |, $(), redirects, newlines). */
function simpleCommand(t: TaskSpec): string | undefined {
  const a = t.args as { cmd?: unknown; argv?: unknown } | string | undefined;
  const raw =
    typeof a === 'string'
      ? a
      : Array.isArray(a?.cmd)
        ? (a.cmd as unknown[]).map(String).join(' ')
        : typeof a?.cmd === 'string'
          ? a.cmd
          : Array.isArray(a?.argv)
            ? (a.argv as unknown[]).map(String).join(' ')
            : undefined;
  if (raw === undefined) return undefined;
  const text = raw.trim().replace(/^(sudo|exec|env\s+(\w+=\S+\s+)*)\s*/, '');
  if (/[;&|\n`<>]|\$\(/.test(text)) return undefined;
  return text;
}

export function commandRules(name: string, roles: ReadonlyMap<string, LintRole>): Finding[] {
  const role = roles.get(name)!;
  const out: Finding[] = [];
  for (const t of [...role.spec.tasks, ...role.spec.handlers]) {
    if (t.op !== 'shell' && t.op !== 'command') continue;
    const cmd = simpleCommand(t);
    if (!cmd) continue;
    const hit = REPLACEMENTS.find(([re]) => re.test(cmd));
    if (!hit) continue;
    const [, r] = hit;
    const exists = OPS.has(r.op);
    out.push(
      finding(
        'command-instead-of-op',
        t.location,
        exists
          ? `"${cmd.split(/\s+/).slice(0, 2).join(' ')}" in a ${t.op} task: use the ${r.op} operation (${r.how}), which plans, diffs and changes only what differs`
          : `"${cmd.split(/\s+/).slice(0, 2).join(' ')}" in a ${t.op} task: a ${r.op} operation would do this (none exists yet)`,
        exists ? 'warning' : 'note',
      ),
    );
  }
  return out;
}

/** Files of services that can check a configuration before it goes live, and the checker. */
const CHECKERS: [RegExp, string][] = [
  [/^\/etc\/nginx\//, 'nginx -t'],
  [/^\/etc\/haproxy\/.*\.cfg$/, 'haproxy -c -f %s'],
  [/^\/etc\/ssh\/sshd_config(\.d\/.*)?$/, 'sshd -t'],
  [/^\/etc\/php\/[^/]+\/fpm\//, 'php-fpm<version> -t'],
  [/^\/etc\/bind\//, 'named-checkconf'],
  [/^\/etc\/sudoers(\.d\/.*)?$/, 'visudo -cf %s'],
  [/^\/etc\/keepalived\/.*\.conf$/, 'keepalived -t -f %s'],
  [/^\/etc\/rsyslog\.(conf|d\/.*)$/, 'rsyslogd -N1'],
  [/^\/etc\/nftables\.conf$/, 'nft -c -f %s'],
  [/^\/etc\/logrotate\.d\//, 'logrotate -d %s'],
  [/^\/etc\/squid\//, 'squid -k parse'],
];

const WRITES = new Set(['template', 'copy', 'lineinfile', 'blockinfile']);

export function validateRules(name: string, roles: ReadonlyMap<string, LintRole>): Finding[] {
  const role = roles.get(name)!;
  const out: Finding[] = [];
  for (const t of [...role.spec.tasks, ...role.spec.handlers]) {
    if (!WRITES.has(t.op)) continue;
    const a = t.args as { dest?: unknown; path?: unknown; validate?: unknown; validate_live?: unknown; state?: unknown };
    const dest = typeof a?.dest === 'string' ? a.dest : typeof a?.path === 'string' ? a.path : undefined;
    if (!dest || a.validate !== undefined || a.validate_live !== undefined || a.state === 'absent') continue;
    const shape = dest.replace(/\{\{[^}]*\}\}/g, 'X');
    const checker = CHECKERS.find(([re]) => re.test(shape));
    if (checker) out.push(finding('validate-missing', t.location, `"${dest}" is written without validate: or validate_live: ("${checker[1]}" can check it before it goes live)`));
  }
  return out;
}
