/**
 * The lab bridge: hosts' veth ends (vb-*) are enslaved to it by systemd-nspawn. It has an
 * address (the hosts reach the package proxy there) but no route out: hosts get no default
 * gateway, so nothing they send can leave the lab.
 */
import { existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LabConfig } from './config.js';
import { bridgeAddress } from './config.js';
import { run } from './exec.js';

const stateFile = (c: LabConfig) => path.join(c.stateDir, 'bridge.json');

export function bridgeExists(c: LabConfig): boolean {
  return existsSync(`/sys/class/net/${c.bridge}`);
}

export async function ensureBridge(c: LabConfig): Promise<'created' | 'present'> {
  const addr = `${bridgeAddress(c)}/24`;
  let created = false;
  if (!bridgeExists(c)) {
    await run('ip', ['link', 'add', c.bridge, 'type', 'bridge']);
    writeFileSync(stateFile(c), JSON.stringify({ bridge: c.bridge, createdAt: new Date().toISOString() }) + '\n');
    created = true;
  }
  const shown = await run('ip', ['-o', '-4', 'addr', 'show', 'dev', c.bridge]);
  if (!shown.stdout.includes(` ${addr} `)) await run('ip', ['addr', 'add', addr, 'dev', c.bridge]);
  await run('ip', ['link', 'set', c.bridge, 'up']);
  return created ? 'created' : 'present';
}

/** Remove the bridge, but only one the lab itself created (recorded in its state). */
export async function removeBridge(c: LabConfig): Promise<boolean> {
  if (!existsSync(stateFile(c))) return false;
  const recorded = JSON.parse(readFileSync(stateFile(c), 'utf8')).bridge;
  if (recorded === c.bridge && bridgeExists(c)) await run('ip', ['link', 'del', c.bridge]);
  rmSync(stateFile(c), { force: true });
  return true;
}
