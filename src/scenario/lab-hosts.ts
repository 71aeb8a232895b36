/**
 * Fresh lab hosts for a run unit: unique names (so several runs share one lab), addresses from
 * the lab's auto range, reserved extra addresses (virtual IPs), and their release.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Lab } from '../lab/lab.js';
import { AUTO_ADDRESS_FIRST, AUTO_ADDRESS_LAST, labConfig } from '../lab/config.js';
import { claimAddress, releaseAddress } from '../lab/host.js';
import type { UnitNames } from './units.js';

export interface UnitHosts {
  names: UnitNames;
  /** Lab host names, in scenario host order. */
  machines: string[];
  release(): Promise<void>;
}

/** Lab host names for a unit's hosts (`wt-<random>-<host>`), before any is booted. */
export function unitHostNames(hosts: readonly string[]): Record<string, string> {
  const tag = randomBytes(3).toString('hex');
  return Object.fromEntries(hosts.map((h) => [h, `wt-${tag}-${h}`]));
}

export async function bootUnitHosts(hostNames: Record<string, string>, addresses: readonly string[], log: (s: string) => void): Promise<UnitHosts> {
  const config = labConfig();
  const lab = new Lab(config, log);
  const machines = Object.values(hostNames);
  const reserved: { address: string; owner: string }[] = [];
  const release = async () => {
    try {
      await lab.stop(
        machines.filter((m) => lab.hosts().some((h) => h.name === m)),
        { purge: true },
      );
    } finally {
      for (const r of reserved.splice(0)) releaseAddress(config, r.address, r.owner);
    }
  };
  try {
    const up = await lab.up(machines.map((name) => ({ name })));
    const address: Record<string, string> = {};
    for (const [h, m] of Object.entries(hostNames)) address[h] = up.find((r) => r.name === m)!.address;
    const tag = machines[0]!.split('-')[1];
    for (const a of addresses) {
      const owner = `wt-${tag}-addr-${a}`;
      let got: string | undefined;
      for (let i = AUTO_ADDRESS_FIRST; i <= AUTO_ADDRESS_LAST && !got; i++) {
        const candidate = `${config.subnetPrefix}.${i}`;
        if (claimAddress(config, candidate, owner)) got = candidate;
      }
      if (!got) throw new Error(`No free address left in the lab subnet ${config.subnetPrefix}.0/24 for "${a}"`);
      reserved.push({ address: got, owner });
      address[a] = got;
    }
    // The lab publishes every host's key; roles that pin one (an SFTP remote) get it from here.
    const lines = readFileSync(lab.paths.knownHosts, 'utf8').split('\n');
    const knownHosts: Record<string, string> = {};
    for (const h of Object.keys(hostNames)) {
      knownHosts[h] = lines
        .filter((l) => l.split(' ')[0]!.split(',').includes(address[h]!))
        .map((l) => `${address[h]} ${l.split(' ').slice(1).join(' ')}`)
        .join('\n');
    }
    return { names: { host: hostNames, address, knownHosts }, machines, release };
  } catch (e) {
    await release().catch(() => undefined);
    throw e;
  }
}
