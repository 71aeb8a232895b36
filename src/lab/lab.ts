/**
 * The lab: brings the infrastructure (base image, bridge, package proxy, lab SSH key) and a set
 * of hosts up, idempotently, repairing whatever a crash left half-done; takes it all down again,
 * touching only what it started (by pid) and mounted.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LabConfig } from './config.js';
import { labPaths, AUTO_ADDRESS_FIRST, AUTO_ADDRESS_LAST } from './config.js';
import { withLock } from './lock.js';
import { assertLabPreflight } from './preflight.js';
import { ensureBaseImage, baseImageReady } from './image.js';
import { ensureBridge, removeBridge, bridgeExists } from './network.js';
import { ensureProxy, stopProxy, proxyRunning } from './proxy.js';
import { run } from './exec.js';
import { ensureKernelLimits } from './kernel.js';
import { removeLabCgroupParents } from './cgroups.js';
import type { HostRecord } from './host.js';
import { listHosts, readHost, writeHost, claimAddress, addressOwner, releaseAddress, prepareHost, startHost, stopHost, isRunning, isMounted, hostFiles, waitForSsh } from './host.js';
import { renderEtcHosts, renderKnownHosts } from './files.js';
import { BASE_GENERATION, lowerDirs } from './generations.js';
import { WphaError, UserError } from '../errors.js';

export interface HostRequest {
  name: string;
  /** Fixed address in the lab subnet; when absent one is assigned from the auto range. */
  address?: string;
  /** Image generation to make a new host from (default: the base image). */
  image?: string;
  /** Tag of a machine a provider makes (see HostRecord.owner). */
  owner?: HostRecord['owner'];
  /** Another public key allowed to log in as root, besides the lab's own. */
  authorizedKey?: string;
}

export interface HostUpResult {
  name: string;
  address: string;
  action: 'started' | 'running' | 'restarted';
  sshReadyMs?: number;
}

export type Log = (line: string) => void;

const HOST_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export class Lab {
  readonly paths: ReturnType<typeof labPaths>;
  constructor(
    readonly config: LabConfig,
    private readonly log: Log = () => {},
  ) {
    this.paths = labPaths(config);
  }

  /** Base image, bridge, proxy and lab SSH key. Safe to call any number of times, from several processes. */
  async ensureInfrastructure(): Promise<{ imageBuilt: boolean; imageSeconds: number }> {
    assertLabPreflight({ needDebootstrap: !baseImageReady(this.config) });
    return withLock(this.paths.lock, async () => {
      mkdirSync(this.config.stateDir, { recursive: true, mode: 0o700 });
      const running = listHosts(this.config).filter((h) => isRunning(this.config, h)).length;
      const image = await ensureBaseImage(this.config, running, this.log);
      ensureKernelLimits(this.log);
      await ensureBridge(this.config);
      await ensureProxy(this.config);
      await this.ensureLabKey();
      return { imageBuilt: image.built, imageSeconds: image.seconds };
    });
  }

  private async ensureLabKey(): Promise<void> {
    if (existsSync(this.paths.sshKey)) return;
    mkdirSync(this.paths.sshDir, { recursive: true, mode: 0o700 });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'wpha-lab', '-f', this.paths.sshKey]);
  }

  /** Bring these hosts up (others are left as they are). Returns when every one answers on SSH. */
  async up(requests: HostRequest[]): Promise<HostUpResult[]> {
    for (const r of requests) {
      if (!HOST_NAME.test(r.name)) throw new UserError(`Invalid lab host name "${r.name}": use lowercase letters, digits and dashes, starting with a letter`);
      if (r.image && r.image !== BASE_GENERATION) lowerDirs(this.config, r.image); // an unknown image is refused before anything is made
    }
    await this.ensureInfrastructure();
    const pub = readFileSync(`${this.paths.sshKey}.pub`, 'utf8');
    const started = await withLock(this.paths.lock, async () => {
      const out: { rec: HostRecord; action: HostUpResult['action'] }[] = [];
      for (const req of requests) {
        const rec = this.recordFor(req);
        if (isRunning(this.config, rec) && isMounted(hostFiles(this.config, rec.name).root)) {
          out.push({ rec, action: 'running' });
          continue;
        }
        const wasStarted = rec.pid !== undefined;
        if (wasStarted) await stopHost(this.config, rec); // half-started or crashed: clean up first
        const extra = req.authorizedKey ?? rec.authorizedKey;
        const keys = [pub, ...(extra && extra.trim() !== pub.trim() ? [extra] : [])].map((k) => k.trim()).join('\n');
        await prepareHost(this.config, rec, keys, lowerDirs(this.config, rec.image ?? BASE_GENERATION));
        rec.pid = startHost(this.config, rec);
        rec.startedAt = new Date().toISOString();
        writeHost(this.config, rec);
        out.push({ rec, action: wasStarted ? 'restarted' : 'started' });
      }
      return out;
    });
    const results = await Promise.all(
      started.map(async ({ rec, action }) => ({
        name: rec.name,
        address: rec.address,
        action,
        sshReadyMs: await waitForSsh(rec.address, 90_000).catch((e) => {
          throw new WphaError(`${(e as Error).message}; console output is in ${hostFiles(this.config, rec.name).console}`);
        }),
      })),
    );
    await this.publish();
    return results;
  }

  /** Find or create the record of a requested host, claiming its address. */
  private recordFor(req: HostRequest): HostRecord {
    const existing = readHost(this.config, req.name);
    if (existing) {
      if (req.address && req.address !== existing.address) {
        throw new UserError(`Lab host "${req.name}" already exists with address ${existing.address}, not ${req.address}: run \`wpha lab destroy ${req.name}\` first`);
      }
      if (req.image && req.image !== (existing.image ?? BASE_GENERATION)) {
        throw new UserError(`Lab host "${req.name}" already exists on image ${existing.image ?? BASE_GENERATION}, not ${req.image}: run \`wpha lab destroy ${req.name}\` first`);
      }
      return existing;
    }
    const address = req.address ?? this.freeAddress(req.name);
    this.checkInSubnet(address, req.name);
    if (!claimAddress(this.config, address, req.name)) {
      throw new UserError(`Cannot create lab host "${req.name}": address ${address} belongs to lab host "${addressOwner(this.config, address)}"`);
    }
    const octets = address.split('.');
    const rec: HostRecord = { name: req.name, address, machine: `w${octets[2]}-${octets[3]}`, createdAt: new Date().toISOString() };
    if (req.image && req.image !== BASE_GENERATION) rec.image = req.image;
    if (req.owner) rec.owner = req.owner;
    if (req.authorizedKey) rec.authorizedKey = req.authorizedKey.trim();
    mkdirSync(hostFiles(this.config, req.name).dir, { recursive: true });
    writeHost(this.config, rec);
    return rec;
  }

  private freeAddress(name: string): string {
    for (let i = AUTO_ADDRESS_FIRST; i <= AUTO_ADDRESS_LAST; i++) {
      const a = `${this.config.subnetPrefix}.${i}`;
      const owner = addressOwner(this.config, a);
      if (owner === undefined || owner === name) return a;
    }
    throw new WphaError(`The lab subnet ${this.config.subnetPrefix}.0/24 has no free address left`);
  }

  private checkInSubnet(address: string, name: string): void {
    const m = address.match(/^(\d+\.\d+\.\d+)\.(\d+)$/);
    const last = m ? Number(m[2]) : NaN;
    if (!m || m[1] !== this.config.subnetPrefix || !(last >= 2 && last <= 254)) {
      throw new UserError(`Lab host "${name}" has address "${address}", outside the lab subnet ${this.config.subnetPrefix}.2-254`);
    }
  }

  /** Write known_hosts (for the engine) and every running host's /etc/hosts from the current host set. */
  async publish(): Promise<void> {
    await withLock(this.paths.lock, async () => {
      const hosts = listHosts(this.config);
      const withKeys = hosts
        .filter((h) => existsSync(`${hostFiles(this.config, h.name).hostKey}.pub`))
        .map((h) => ({ ...h, hostKey: readFileSync(`${hostFiles(this.config, h.name).hostKey}.pub`, 'utf8') }));
      mkdirSync(this.paths.sshDir, { recursive: true, mode: 0o700 });
      atomicWrite(this.paths.knownHosts, renderKnownHosts(withKeys));
      for (const h of hosts) {
        const root = hostFiles(this.config, h.name).root;
        if (isMounted(root)) atomicWrite(path.join(root, 'etc/hosts'), renderEtcHosts(h.name, hosts, this.extraNames()));
      }
    });
  }

  /**
   * Names the stack uses besides the hosts' own (a site name pointing at the virtual IP), written
   * into every host's /etc/hosts so that no lookup of them leaves the lab. Replaces the set.
   */
  async setExtraNames(names: Record<string, string>): Promise<void> {
    const current = this.extraNames();
    if (JSON.stringify(current) === JSON.stringify(names)) return;
    mkdirSync(this.config.stateDir, { recursive: true, mode: 0o700 });
    atomicWrite(path.join(this.config.stateDir, 'extra-hosts.json'), JSON.stringify(names, null, 2) + '\n');
    await this.publish();
  }

  extraNames(): Record<string, string> {
    const f = path.join(this.config.stateDir, 'extra-hosts.json');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>) : {};
  }

  /** Stop hosts (all when `names` is empty), keeping their disks unless `purge`. */
  async stop(names: string[], opts: { purge?: boolean } = {}): Promise<string[]> {
    const all = listHosts(this.config);
    const unknown = names.filter((n) => !all.some((h) => h.name === n));
    if (unknown.length) throw new UserError(`No lab host named ${unknown.map((n) => `"${n}"`).join(', ')}`);
    const targets = names.length ? all.filter((h) => names.includes(h.name)) : all;
    await Promise.all(targets.map((h) => stopHost(this.config, h)));
    await withLock(this.paths.lock, async () => {
      for (const h of targets) {
        if (opts.purge) {
          rmSync(hostFiles(this.config, h.name).dir, { recursive: true, force: true });
          releaseAddress(this.config, h.address, h.name);
        } else {
          const fresh = readHost(this.config, h.name);
          if (fresh) writeHost(this.config, { ...fresh, pid: undefined });
        }
      }
    });
    if (opts.purge) await this.publish();
    return targets.map((h) => h.name);
  }

  /** Everything down: hosts, proxy, bridge. Disks stay unless `purge`. */
  async down(opts: { purge?: boolean } = {}): Promise<{ hosts: string[]; proxy: boolean; bridge: boolean }> {
    const hosts = await this.stop([], opts);
    const proxy = await stopProxy(this.config);
    const bridge = await removeBridge(this.config);
    removeLabCgroupParents();
    return { hosts, proxy, bridge };
  }

  /** A fresh disk for one host: stop it, drop its copy-on-write layer, boot it again (same address and host key). */
  async reset(name: string): Promise<HostUpResult> {
    const rec = readHost(this.config, name);
    if (!rec) throw new UserError(`No lab host named "${name}"`);
    await stopHost(this.config, rec);
    const f = hostFiles(this.config, name);
    rmSync(f.upper, { recursive: true, force: true });
    rmSync(f.work, { recursive: true, force: true });
    writeHost(this.config, { ...rec, pid: undefined });
    const [r] = await this.up([{ name, address: rec.address }]);
    return r!;
  }

  status() {
    return {
      infrastructure: { image: baseImageReady(this.config), bridge: bridgeExists(this.config), proxy: proxyRunning(this.config) },
      hosts: listHosts(this.config).map((h) => ({ ...h, running: isRunning(this.config, h), mounted: isMounted(hostFiles(this.config, h.name).root) })),
    };
  }

  hosts(): HostRecord[] {
    return listHosts(this.config);
  }
}

function atomicWrite(file: string, content: string): void {
  writeFileSync(`${file}.wpha-tmp`, content, { mode: 0o644 });
  renameSync(`${file}.wpha-tmp`, file);
}
