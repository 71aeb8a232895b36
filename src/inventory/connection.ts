/**
 * How wpha reaches a host: user, port, become and SSH settings, from the host's own settings
 * over the inventory defaults over built-in defaults. File paths are relative to the inventory
 * folder; `~` is the user's home. Lab inventories default to the lab's key and known_hosts.
 */
import path from 'node:path';
import type { HostSpec, SshSettings } from '../model.js';
import type { ConnectionEntry, HostEntry } from './schema.js';

export const DEFAULT_USER = 'root';
export const DEFAULT_SSH_PORT = 22;
export const DEFAULT_CONNECT_TIMEOUT_S = 10;
const DEFAULT_LAB_DIR = '/var/lib/wpha/lab';

export interface ConnectionContext {
  /** Absolute inventory folder. */
  invDir: string;
  lab: boolean;
  env: NodeJS.ProcessEnv;
  home: string;
  /** The user wpha runs as (what a `connection: local` host runs its scripts as). */
  localUser?: string;
}

/** The lab's SSH files (the same layout the lab tooling writes under its state dir). */
export function labSshFiles(env: NodeJS.ProcessEnv): { key: string; knownHosts: string } {
  const dir = path.resolve(env.WPHA_LAB_DIR ?? DEFAULT_LAB_DIR, 'ssh');
  return { key: path.join(dir, 'id_ed25519'), knownHosts: path.join(dir, 'known_hosts') };
}

export function expandPath(p: string, ctx: Pick<ConnectionContext, 'invDir' | 'home'>): string {
  if (p === '~') return ctx.home;
  if (p.startsWith('~/')) return path.join(ctx.home, p.slice(2));
  return path.resolve(ctx.invDir, p);
}

export function hostConnection(defaults: ConnectionEntry | undefined, host: HostEntry, ctx: ConnectionContext): Pick<HostSpec, 'user' | 'port' | 'become' | 'ssh' | 'connection'> {
  const local = (host.connection ?? defaults?.connection) === 'local';
  // A local host runs its scripts as the user running wpha (no login happens): `user` is not used.
  const user = local ? (ctx.localUser ?? DEFAULT_USER) : (host.user ?? defaults?.user ?? DEFAULT_USER);
  const ssh = { ...defaults?.ssh, ...host.ssh };
  const lab = ctx.lab ? labSshFiles(ctx.env) : undefined;
  const settings: SshSettings = {
    knownHosts: ssh.known_hosts !== undefined ? expandPath(ssh.known_hosts, ctx) : (lab?.knownHosts ?? path.join(ctx.invDir, 'known_hosts')),
    connectTimeoutMs: Math.round((ssh.connect_timeout ?? DEFAULT_CONNECT_TIMEOUT_S) * 1000),
  };
  const key = ssh.key !== undefined ? expandPath(ssh.key, ctx) : lab?.key;
  if (key !== undefined) settings.keyFile = key;
  if (ssh.proxy_jump !== undefined) settings.proxyJump = ssh.proxy_jump;
  return {
    user,
    port: host.port ?? defaults?.port ?? DEFAULT_SSH_PORT,
    become: host.become ?? defaults?.become ?? user !== DEFAULT_USER,
    ...(local ? { connection: 'local' as const } : {}),
    ssh: settings,
  };
}

/**
 * The host reached through the local shell (`--connection local`): as the user running wpha,
 * through sudo when that user is not root (the inventory's user and become are for SSH logins).
 */
export function withLocalConnection(h: HostSpec, localUser: string): HostSpec {
  return { ...h, connection: 'local', user: localUser, become: localUser !== DEFAULT_USER };
}
