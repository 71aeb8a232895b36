/**
 * The lab provider: machines are lab hosts (systemd-nspawn, own systemd, network namespace and
 * disk; the kernel is this machine's), made from the lab's image generations. The lab writes the
 * address, host name and host key into the disk before the first boot, so the host key is known
 * without asking the machine. Sizes are recorded, not enforced: lab hosts share this machine's
 * CPUs and memory.
 */
import { readFileSync } from 'node:fs';
import { Lab } from '../lab/lab.js';
import { labConfig, type LabConfig } from '../lab/config.js';
import { hostFiles } from '../lab/host.js';
import { BASE_GENERATION, listGenerations } from '../lab/generations.js';
import type { CreatedMachine, CreateRequest, ImageInfo, Provider, ProviderMachine } from './types.js';

export class LabProvider implements Provider {
  readonly type = 'lab' as const;
  private readonly lab: Lab;

  constructor(
    readonly name: string,
    private readonly stateId: string,
    private readonly config: LabConfig = labConfig(),
    log: (s: string) => void = () => {},
  ) {
    this.lab = new Lab(config, log);
  }

  async images(): Promise<ImageInfo[]> {
    return listGenerations(this.config).map((g) => ({ id: g.id, description: `${g.kind === 'derived' ? `from ${g.parent}` : g.kind}, built ${g.built}` }));
  }

  async create(req: CreateRequest): Promise<CreatedMachine> {
    const [up] = await this.lab.up([
      { name: req.name, ...(req.address ? { address: req.address } : {}), image: req.image, owner: { state: this.stateId, group: req.group }, authorizedKey: req.sshPublicKey },
    ]);
    const hostKey = readFileSync(`${hostFiles(this.config, req.name).hostKey}.pub`, 'utf8').trim();
    return { id: req.name, name: req.name, address: up!.address, image: req.image, group: req.group, running: true, hostKeys: [hostKey] };
  }

  async destroy(id: string): Promise<void> {
    if (!this.lab.hosts().some((h) => h.name === id)) return;
    await this.lab.stop([id], { purge: true });
  }

  async list(): Promise<ProviderMachine[]> {
    const status = this.lab.status().hosts;
    return status
      .filter((h) => h.owner?.state === this.stateId)
      .map((h) => ({ id: h.name, name: h.name, address: h.address, image: h.image ?? BASE_GENERATION, ...(h.owner ? { group: h.owner.group } : {}), running: h.running }));
  }

  async reboot(id: string): Promise<void> {
    await this.lab.stop([id]);
    await this.lab.up([{ name: id }]);
  }
}
