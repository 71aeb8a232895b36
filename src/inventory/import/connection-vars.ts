/**
 * Ansible's connection variables (`ansible_host`, `ansible_port`, `ansible_user`, become, key,
 * jump host...) turned into wpha's host settings. What wpha has no equivalent for (passwords,
 * other connection plugins, become methods) is reported, never guessed.
 */
import { isValidAddress, isValidProxyJump, UNIX_USER } from '../../spec/names.js';

export interface WphaConnection {
  address?: string;
  port?: number;
  user?: string;
  become?: boolean;
  connection?: 'local';
  ssh?: { key?: string; proxy_jump?: string; connect_timeout?: number };
  /** Vars that stay vars under another name (the sudo password). */
  vars: Record<string, unknown>;
  /** `variable: why it was not mapped` */
  problems: { key: string; message: string }[];
  /** Mapped, with something the user should know. */
  notes: { key: string; message: string }[];
}

const TRUE = new Set(['yes', 'on', '1', 'true', 'y', 't']);

const asBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : typeof v === 'string' ? TRUE.has(v.toLowerCase()) : undefined);

/** Ansible's own names for the same setting, first one wins (the newer name). */
const ALIASES: Record<string, string[]> = {
  address: ['ansible_host', 'ansible_ssh_host'],
  port: ['ansible_port', 'ansible_ssh_port'],
  user: ['ansible_user', 'ansible_ssh_user', 'ansible_remote_user'],
  key: ['ansible_ssh_private_key_file', 'ansible_private_key_file'],
  password: ['ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass', 'ansible_sudo_password'],
  timeout: ['ansible_ssh_timeout', 'ansible_timeout'],
};

/** True for the variables this module consumes (they never stay variables). */
export const isConnectionVar = (k: string): boolean => k.startsWith('ansible_');

export function mapConnection(vars: Record<string, unknown>): WphaConnection {
  const out: WphaConnection = { vars: {}, problems: [], notes: [] };
  const pick = (names: string[]) => names.find((n) => vars[n] !== undefined);
  const used = new Set<string>();
  const take = (what: keyof typeof ALIASES) => {
    const k = pick(ALIASES[what]!);
    for (const n of ALIASES[what]!) used.add(n);
    return k === undefined ? undefined : { key: k, value: vars[k] };
  };
  const problem = (key: string, message: string) => out.problems.push({ key, message });

  const address = take('address');
  if (address) {
    if (typeof address.value === 'string' && isValidAddress(address.value)) out.address = address.value;
    else problem(address.key, `"${String(address.value)}" is not an IPv4 or IPv6 address or a DNS name`);
  }
  const port = take('port');
  if (port) {
    const n = Number(port.value);
    if (Number.isInteger(n) && n >= 1 && n <= 65535) out.port = n;
    else problem(port.key, `"${String(port.value)}" is not a port number`);
  }
  const user = take('user');
  if (user) {
    if (typeof user.value === 'string' && UNIX_USER.test(user.value)) out.user = user.value;
    else problem(user.key, `"${String(user.value)}" is not a Unix user name`);
  }
  const key = take('key');
  if (key) {
    out.ssh = { ...out.ssh, key: String(key.value) };
    if (!String(key.value).startsWith('/') && !String(key.value).startsWith('~'))
      out.notes.push({ key: key.key, message: 'a relative key path is read from the inventory folder in wpha (Ansible: from the current folder)' });
  }
  const timeout = take('timeout');
  if (timeout && Number(timeout.value) > 0) out.ssh = { ...out.ssh, connect_timeout: Number(timeout.value) };
  const password = take('password');
  if (password) {
    out.vars.become_password = password.value;
    out.notes.push({ key: password.key, message: 'kept as become_password: a password in plain text; move it to the vault (wpha vault encrypt-string --name become_password)' });
  }
  for (const [k, v] of Object.entries(vars)) {
    if (!isConnectionVar(k) || used.has(k)) continue;
    switch (k) {
      case 'ansible_become':
        out.become = asBool(v) ?? false;
        break;
      case 'ansible_become_method':
        if (v !== 'sudo') problem(k, `become method "${String(v)}": wpha becomes root with sudo only`);
        break;
      case 'ansible_become_user':
        if (v !== 'root') problem(k, `becoming "${String(v)}": wpha runs scripts as root (tasks may use become_user on command and shell)`);
        break;
      case 'ansible_connection':
        if (v === 'local') out.connection = 'local';
        else if (!['ssh', 'smart', 'paramiko'].includes(String(v))) problem(k, `connection "${String(v)}": wpha connects over SSH (or runs locally)`);
        break;
      case 'ansible_ssh_common_args':
      case 'ansible_ssh_extra_args': {
        const jump = proxyJumpOf(String(v));
        if (jump === undefined) problem(k, `"${String(v)}": wpha understands only a jump host here (-J host or -o ProxyJump=host, or ProxyCommand ssh -W %h:%p host)`);
        else if (!isValidProxyJump(jump)) problem(k, `jump host "${jump}" is not [user@]host[:port]`);
        else out.ssh = { ...out.ssh, proxy_jump: jump };
        break;
      }
      case 'ansible_python_interpreter':
        out.notes.push({ key: k, message: 'dropped: wpha runs no Python on the hosts' });
        break;
      case 'ansible_password':
      case 'ansible_ssh_pass':
      case 'ansible_ssh_password':
        problem(k, 'password logins are not supported: wpha logs in with keys (an agent or ssh.key)');
        break;
      default:
        problem(k, 'not a setting wpha has: dropped');
    }
  }
  return out;
}

/** `-J u@h:p`, `-o ProxyJump=u@h`, `-o ProxyCommand="ssh -W %h:%p -q u@h"` -> the jump host. */
export function proxyJumpOf(args: string): string | undefined {
  const a = args.trim().replace(/^['"]|['"]$/g, '');
  const j = /^-J\s*(\S+)$/.exec(a) ?? /^-o\s*['"]?ProxyJump[= ]\s*([^'"\s]+)['"]?$/i.exec(a);
  if (j) return j[1];
  const pc = /^-o\s*['"]?ProxyCommand[= ]\s*['"]?ssh\s+(?:-q\s+)?-W\s+%h:%p\s+(?:-q\s+)?(?:-p\s*(\d+)\s+)?([^'"\s]+)(?:\s+-p\s*(\d+))?['"]?$/i.exec(a);
  if (pc) return `${pc[2]}${(pc[1] ?? pc[3]) ? `:${pc[1] ?? pc[3]}` : ''}`;
  return undefined;
}
