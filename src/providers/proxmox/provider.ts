/**
 * The Proxmox VE provider: a machine is a full (or linked) clone of a template, given its
 * address, SSH key and user by cloud-init, started, and known once the QEMU guest agent reports
 * the address. Its host key is read through the guest agent (file-read), so nothing is trusted on
 * first use. Destroying stops it and deletes it with its disks (purge). Machines are tagged with
 * the inventory state's id: `list` finds them, orphans included.
 * Written against Proxmox VE's published API; tested against recorded request/answer pairs, not
 * (yet) against a real cluster.
 */
import type { ProxmoxProviderSpec } from '../../spec/machines.js';
import { PveClient, PveError } from './client.js';
import { addressOf, agentAddresses, configParams, freeAddress, machineTags, parseTags } from './cloud-init.js';
import type { Clock } from './rate.js';
import { realClock } from './rate.js';
import { UserError, WphaError } from '../../errors.js';
import type { CreatedMachine, CreateRequest, ImageInfo, Provider, ProviderMachine } from '../types.js';

interface VmListItem {
  vmid: number | string;
  name?: string;
  status?: string;
  template?: number | string;
  tags?: string;
}

export class ProxmoxProvider implements Provider {
  readonly type = 'proxmox' as const;
  private readonly api: PveClient;
  private readonly node: string;

  constructor(
    readonly name: string,
    private readonly stateId: string,
    private readonly spec: ProxmoxProviderSpec,
    private readonly log: (s: string) => void = () => {},
    private readonly clock: Clock = realClock,
  ) {
    this.api = new PveClient({
      url: spec.url,
      tokenId: spec.token_id,
      tokenSecret: spec.token_secret,
      ...(spec.verify_tls !== undefined ? { verifyTls: spec.verify_tls } : {}),
      ...(spec.ca_file ? { caFile: spec.ca_file } : {}),
      requestsPerSecond: spec.requests_per_second ?? 5,
      clock,
    });
    this.node = spec.node;
  }

  private vmPath(vmid: string | number, rest = ''): string {
    return `/nodes/${encodeURIComponent(this.node)}/qemu/${vmid}${rest}`;
  }

  private async vms(): Promise<VmListItem[]> {
    return this.api.get<VmListItem[]>(`/nodes/${encodeURIComponent(this.node)}/qemu`);
  }

  async images(): Promise<ImageInfo[]> {
    return (await this.vms()).filter((v) => Number(v.template) === 1).map((v) => ({ id: v.name ?? String(v.vmid), description: `template ${v.vmid}` }));
  }

  private async template(image: string): Promise<VmListItem> {
    const t = (await this.vms()).find((v) => Number(v.template) === 1 && (v.name === image || String(v.vmid) === image));
    if (!t) throw new UserError(`Proxmox node "${this.node}" has no template "${image}"`);
    return t;
  }

  /** Addresses the pool gives out that our machines already have (their cloud-init ipconfig0). */
  private async usedAddresses(): Promise<Set<string>> {
    const ours = (await this.vms()).filter((v) => parseTags(v.tags).includes('wpha'));
    const used = new Set<string>();
    for (const v of ours) {
      const cfg = await this.api.get<{ ipconfig0?: string }>(this.vmPath(v.vmid, '/config'));
      const a = addressOf(cfg.ipconfig0);
      if (a) used.add(a);
    }
    return used;
  }

  async create(req: CreateRequest): Promise<CreatedMachine> {
    const template = await this.template(req.image);
    const address = req.address ?? freeAddress(this.spec.addresses, await this.usedAddresses());
    if (!address) throw new WphaError(`Proxmox provider "${this.name}": no free address left in ${this.spec.addresses.join(', ')}`);
    const vmid = String(await this.api.get<string | number>('/cluster/nextid'));
    const clone = await this.api.post<string>(this.vmPath(template.vmid, '/clone'), {
      newid: vmid,
      name: req.name,
      full: this.spec.full_clone ?? true,
      ...(this.spec.storage ? { storage: this.spec.storage } : {}),
      ...(this.spec.pool ? { pool: this.spec.pool } : {}),
    });
    await this.api.waitTask(this.node, clone, `clone template ${template.vmid} to VM ${vmid}`);
    await this.api.put(
      this.vmPath(vmid, '/config'),
      configParams(
        req,
        { address, prefixLength: this.spec.prefix_length, ...(this.spec.gateway ? { gateway: this.spec.gateway } : {}), ...(this.spec.nameservers ? { nameservers: this.spec.nameservers } : {}) },
        this.stateId,
      ),
    );
    if (req.size.diskGb) {
      // Synchronous in older releases (null), a task in newer ones (a UPID): both are handled.
      const r = await this.api.put<string | null>(this.vmPath(vmid, '/resize'), { disk: 'scsi0', size: `${req.size.diskGb}G` });
      if (typeof r === 'string' && r.startsWith('UPID:')) await this.api.waitTask(this.node, r, `resize the disk of VM ${vmid}`);
    }
    await this.api.waitTask(this.node, await this.api.post<string>(this.vmPath(vmid, '/status/start')), `start VM ${vmid}`);
    await this.waitAgentAddress(vmid, address);
    const hostKey = await this.readHostKey(vmid);
    this.log(`${req.name}: Proxmox VM ${vmid} cloned from template ${template.vmid}, running at ${address}`);
    return { id: vmid, name: req.name, address, image: req.image, group: req.group, running: true, hostKeys: [hostKey] };
  }

  /** Until the guest agent answers and reports the address cloud-init gave. */
  private async waitAgentAddress(vmid: string, address: string, timeoutMs = 300_000): Promise<void> {
    const deadline = this.clock.now() + timeoutMs;
    let last = 'no answer yet';
    while (this.clock.now() < deadline) {
      try {
        const r = await this.api.get<{ result?: unknown }>(this.vmPath(vmid, '/agent/network-get-interfaces'));
        const seen = agentAddresses(r?.result);
        if (seen.includes(address)) return;
        last = `the agent reports ${seen.join(', ') || 'no IPv4 address'}`;
      } catch (e) {
        // While the VM boots: "QEMU guest agent is not running".
        if (!(e instanceof PveError) || e.status !== 500) throw e;
        last = e.detail;
      }
      await this.clock.sleep(2000);
    }
    throw new WphaError(`Proxmox VM ${vmid} did not report address ${address} through its guest agent within ${timeoutMs / 1000} s (${last})`);
  }

  private async readHostKey(vmid: string, timeoutMs = 120_000): Promise<string> {
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      try {
        const r = await this.api.get<{ content?: string }>(this.vmPath(vmid, '/agent/file-read'), { file: '/etc/ssh/ssh_host_ed25519_key.pub' });
        if (r?.content && /^ssh-ed25519 \S+/.test(r.content.trim())) return r.content.trim();
      } catch (e) {
        if (!(e instanceof PveError) || e.status !== 500 || this.clock.now() > deadline) throw e;
      }
      if (this.clock.now() > deadline) throw new WphaError(`Proxmox VM ${vmid}: no SSH host key to read through the guest agent within ${timeoutMs / 1000} s`);
      await this.clock.sleep(2000);
    }
  }

  async destroy(id: string): Promise<void> {
    const vm = (await this.vms()).find((v) => String(v.vmid) === id);
    if (!vm) return;
    if (!parseTags(vm.tags).includes(machineTags(this.stateId, 'x')[1]!)) {
      throw new WphaError(`Refusing to destroy Proxmox VM ${id}: it is not tagged as a machine of this inventory`);
    }
    if (vm.status === 'running') await this.api.waitTask(this.node, await this.api.post<string>(this.vmPath(id, '/status/stop')), `stop VM ${id}`);
    const upid = await this.api.del<string>(this.vmPath(id), { purge: 1, 'destroy-unreferenced-disks': 1 });
    await this.api.waitTask(this.node, upid, `destroy VM ${id}`);
  }

  async list(): Promise<ProviderMachine[]> {
    const mine = machineTags(this.stateId, 'x')[1]!;
    return (await this.vms())
      .filter((v) => Number(v.template) !== 1 && parseTags(v.tags).includes(mine))
      .map((v) => {
        const group = parseTags(v.tags)
          .find((t) => t.startsWith('wpha-g-'))
          ?.slice(7);
        return { id: String(v.vmid), name: v.name ?? String(v.vmid), running: v.status === 'running', ...(group ? { group } : {}) };
      });
  }

  async reboot(id: string): Promise<void> {
    await this.api.waitTask(this.node, await this.api.post<string>(this.vmPath(id, '/status/reboot')), `reboot VM ${id}`);
  }
}
