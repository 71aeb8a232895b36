/**
 * One lab host: a folder under the lab state dir holding its record, its copy-on-write layer
 * (upper/work), the mount point of its root, and its SSH host key; a systemd-nspawn process
 * booting systemd as PID 1 on the lab bridge.
 */
import { connect } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync, openSync, closeSync, writeSync, readdirSync, chmodSync, copyFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { LabConfig } from './config.js';
import { labPaths } from './config.js';
import { run } from './exec.js';
import { startDetached, isOurProcess, stopProcess } from './process.js';
import { renderNetworkUnit, renderAptProxy, randomMachineId } from './files.js';
import { proxyUrl } from './proxy.js';
import { createHostCgroups, joinCgroupsCommand, killHostCgroups, removeHostCgroups } from './cgroups.js';
import { WphaError } from '../errors.js';

export interface HostRecord {
  name: string;
  address: string;
  /** systemd-nspawn machine name (short: it names the vb-* interface). */
  machine: string;
  pid?: number;
  createdAt: string;
  startedAt?: string;
  /** Image generation the host's disk sits on (absent: the base image). */
  image?: string;
  /** A public key allowed to log in besides the lab's (a provider's machine: the inventory's key). */
  authorizedKey?: string;
  /** Set on machines a provider made: the state (inventory) and group they were made for. */
  owner?: { state: string; group: string };
}

export function hostFiles(c: LabConfig, name: string) {
  const dir = labPaths(c).hostDir(name);
  return {
    dir,
    record: path.join(dir, 'host.json'),
    upper: path.join(dir, 'upper'),
    work: path.join(dir, 'work'),
    root: path.join(dir, 'root'),
    hostKey: path.join(dir, 'hostkey', 'ssh_host_ed25519_key'),
    console: path.join(dir, 'console.log'),
  };
}

export function readHost(c: LabConfig, name: string): HostRecord | undefined {
  const f = hostFiles(c, name).record;
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as HostRecord;
}

export function listHosts(c: LabConfig): HostRecord[] {
  const dir = labPaths(c).hostsDir;
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => readHost(c, n))
    .filter((h): h is HostRecord => h !== undefined);
}

export function writeHost(c: LabConfig, h: HostRecord): void {
  const f = hostFiles(c, h.name).record;
  writeFileSync(`${f}.tmp`, JSON.stringify(h, null, 2) + '\n');
  renameSync(`${f}.tmp`, f);
}

/** Claim an address for a host (O_EXCL file per address); returns false if another host has it. */
export function claimAddress(c: LabConfig, address: string, name: string): boolean {
  const dir = labPaths(c).addrsDir;
  mkdirSync(dir, { recursive: true });
  const f = path.join(dir, address);
  try {
    const fd = openSync(f, 'wx');
    writeSync(fd, name);
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return readFileSync(f, 'utf8') === name;
  }
}

export function addressOwner(c: LabConfig, address: string): string | undefined {
  const f = path.join(labPaths(c).addrsDir, address);
  return existsSync(f) ? readFileSync(f, 'utf8') : undefined;
}

export function releaseAddress(c: LabConfig, address: string, name: string): void {
  if (addressOwner(c, address) === name) rmSync(path.join(labPaths(c).addrsDir, address), { force: true });
}

export function isMounted(mountPoint: string): boolean {
  const info = readFileSync('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => line.split(' ')[4] === mountPoint);
}

export function isRunning(c: LabConfig, h: HostRecord): boolean {
  return isOurProcess(h.pid, hostFiles(c, h.name).root);
}

/**
 * Create the host's folders, host key and overlay mount (its copy-on-write layer over `lowers`,
 * the read-only layers of its image, topmost first), and write its identity files.
 */
export async function prepareHost(c: LabConfig, h: HostRecord, authorizedKeys: string, lowers: string[]): Promise<void> {
  const f = hostFiles(c, h.name);
  for (const d of [f.upper, f.work, f.root, path.dirname(f.hostKey)]) mkdirSync(d, { recursive: true });
  if (!existsSync(f.hostKey)) {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${h.name}`, '-f', f.hostKey]);
  }
  if (!isMounted(f.root)) {
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowers.join(':')},upperdir=${f.upper},workdir=${f.work}`, f.root]);
  }
  const r = f.root;
  const put = (rel: string, content: string, mode = 0o644) => {
    const p = path.join(r, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(`${p}.wpha-tmp`, content, { mode });
    chmodSync(`${p}.wpha-tmp`, mode);
    renameSync(`${p}.wpha-tmp`, p);
  };
  put('etc/hostname', `${h.name}\n`);
  const mid = path.join(r, 'etc/machine-id');
  if (readFileSync(mid, 'utf8').trim() === '') put('etc/machine-id', randomMachineId(randomBytes(16)), 0o444);
  put('etc/systemd/network/10-host0.network', renderNetworkUnit(h.address));
  put('etc/apt/apt.conf.d/01wpha-lab-proxy', renderAptProxy(proxyUrl(c)));
  put('root/.ssh/authorized_keys', authorizedKeys.trim() + '\n', 0o600);
  chmodSync(path.join(r, 'root/.ssh'), 0o700);
  copyFileSync(f.hostKey, path.join(r, 'etc/ssh/ssh_host_ed25519_key'));
  chmodSync(path.join(r, 'etc/ssh/ssh_host_ed25519_key'), 0o600);
  put('etc/ssh/ssh_host_ed25519_key.pub', readFileSync(`${f.hostKey}.pub`, 'utf8'));
}

export function startHost(c: LabConfig, h: HostRecord): number {
  const f = hostFiles(c, h.name);
  const args = [
    '--quiet',
    '--register=no',
    '--keep-unit',
    '-D',
    f.root,
    '-b',
    `--network-bridge=${c.bridge}`,
    '-M',
    h.machine,
    `--hostname=${h.name}`,
    '--console=pipe',
    '--resolv-conf=off',
    '--timezone=off',
    '--link-journal=no',
  ];
  const wrapped = joinCgroupsCommand(createHostCgroups(h.machine), 'systemd-nspawn', args);
  return startDetached(wrapped.cmd, wrapped.args, f.console);
}

/** Stop the host's nspawn (SIGTERM makes systemd power off cleanly) and unmount its root. */
export async function stopHost(c: LabConfig, h: HostRecord): Promise<void> {
  const f = hostFiles(c, h.name);
  await stopProcess(h.pid, f.root, { timeoutMs: 20_000 });
  if (isMounted(f.root)) {
    const r = await run('umount', [f.root], { allowFail: true });
    if (r.code !== 0) await run('umount', ['-l', f.root]);
  }
  await killHostCgroups(h.machine);
  removeHostCgroups(h.machine);
  // nspawn normally removes its veth; remove a leftover one (ours by name) so a restart works.
  if (existsSync(`/sys/class/net/vb-${h.machine}`)) await run('ip', ['link', 'del', `vb-${h.machine}`], { allowFail: true });
}

/** Wait until sshd on the host answers with its banner. */
export async function waitForSsh(address: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port: 22, timeout: 1000 });
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        if (buf.startsWith('SSH-')) s.destroy(), resolve(true);
      });
      s.once('timeout', () => (s.destroy(), resolve(false)));
      s.once('error', () => resolve(false));
      s.once('close', () => resolve(buf.startsWith('SSH-')));
    });
    if (ok) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new WphaError(`Lab host at ${address} did not answer on SSH within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
