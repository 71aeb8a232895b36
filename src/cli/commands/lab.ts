/** `wpha lab ...`: the local test bed of Debian 12 hosts (systemd-nspawn on a bridge, real SSH). */
import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { Lab } from '../../lab/lab.js';
import { labConfig } from '../../lab/config.js';
import { UserError } from '../../errors.js';
import { labHostsOfInventory } from '../lab-hosts.js';
import { addInventoryOptions, type InventoryFlags } from '../load.js';

const say = (s: string) => process.stderr.write(`${s}\n`);

export function register(program: Command): void {
  const lab = program
    .command('lab')
    .description('Run a local lab of Debian 12 hosts (systemd-nspawn, own network namespace, real sshd) to apply to and test against')
    .addHelpText(
      'after',
      `
The lab keeps its state in $WPHA_LAB_DIR (default /var/lib/wpha/lab) and its base image in
$WPHA_LAB_CACHE (default /var/cache/wpha/lab). It needs root and: systemd-container,
debootstrap, iproute2, squid, openssh-client.

Examples:
  wpha lab up                 # the hosts of inventories/lab
  wpha lab up --hosts 10      # lab1..lab10 (addresses assigned from .100 up)
  wpha lab status
  wpha lab ssh web1 'systemctl is-system-running'
  wpha lab reset web1         # fresh disk, same address and host key
  wpha lab stop web1          # power a host off (disk kept); \`up\` boots it again
  wpha lab down               # stop everything the lab started; disks are kept (--purge drops them)`,
    );

  addInventoryOptions(lab.command('up'), { inventory: 'lab' })
    .description('Bring lab hosts up (idempotent; repairs a half-started lab): those of the lab inventory -i names (default "lab"), or --hosts N generic ones')
    .option('--hosts <n>', 'number of generic hosts lab1..labN', (v) => parsePositive(v, '--hosts'))
    .action(async (opts: InventoryFlags & { hosts?: number }) => {
      const l = new Lab(labConfig(), say);
      const fromInventory = opts.hosts ? undefined : await labHostsOfInventory(opts);
      const requests = fromInventory ? fromInventory.hosts : Array.from({ length: opts.hosts! }, (_, i) => ({ name: `lab${i + 1}` }));
      if (fromInventory) await l.setExtraNames(fromInventory.extraNames);
      const t0 = Date.now();
      const results = await l.up(requests);
      for (const r of results) process.stdout.write(`${r.name.padEnd(16)} ${r.address.padEnd(16)} ${r.action}\n`);
      say(`Lab up: ${results.length} host(s) answering on SSH in ${((Date.now() - t0) / 1000).toFixed(1)} s. Key: ${l.paths.sshKey}, known_hosts: ${l.paths.knownHosts}`);
    });

  lab
    .command('status')
    .description('Show the lab infrastructure and hosts')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const s = new Lab(labConfig()).status();
      if (opts.json) return void process.stdout.write(JSON.stringify(s, null, 2) + '\n');
      const i = s.infrastructure;
      process.stdout.write(`base image: ${i.image ? 'ready' : 'not built'}   bridge: ${i.bridge ? 'up' : 'down'}   proxy: ${i.proxy ? 'running' : 'stopped'}\n`);
      for (const h of s.hosts) process.stdout.write(`${h.name.padEnd(16)} ${h.address.padEnd(16)} ${h.running ? `running (pid ${h.pid})` : 'stopped'}\n`);
      if (s.hosts.length === 0) process.stdout.write('no lab hosts\n');
    });

  lab
    .command('down')
    .description('Stop every lab host, the proxy and the bridge (only what the lab started)')
    .option('--purge', "also delete the hosts' disks")
    .action(async (opts: { purge?: boolean }) => {
      const r = await new Lab(labConfig(), say).down({ purge: opts.purge });
      say(`Lab down: ${r.hosts.length} host(s) stopped${opts.purge ? ' and deleted' : ''}; proxy ${r.proxy ? 'stopped' : 'was not running'}; bridge ${r.bridge ? 'removed' : "was not the lab's"}.`);
    });

  lab
    .command('stop <hosts...>')
    .description('Stop lab hosts, keeping their disks (`up` boots them again)')
    .action(async (hosts: string[]) => {
      const done = await new Lab(labConfig(), say).stop(hosts);
      say(`Stopped ${done.join(', ')}`);
    });

  lab
    .command('destroy <hosts...>')
    .description('Stop lab hosts and delete their disks')
    .action(async (hosts: string[]) => {
      const done = await new Lab(labConfig(), say).stop(hosts, { purge: true });
      say(`Destroyed ${done.join(', ')}`);
    });

  lab
    .command('reset <host>')
    .description('Give a lab host a fresh disk (same address and host key) and boot it')
    .action(async (host: string) => {
      const r = await new Lab(labConfig(), say).reset(host);
      say(`${r.name} reset and answering on SSH (${r.address})`);
    });

  lab
    .command('ssh <host> [command...]')
    .description('Open a shell on a lab host (or run a command) as root, with host-key checking on')
    .action((host: string, command: string[]) => {
      const l = new Lab(labConfig());
      const rec = l.hosts().find((h) => h.name === host);
      if (!rec) throw new UserError(`No lab host named "${host}" (see \`wpha lab status\`)`);
      const args = ['-i', l.paths.sshKey, '-o', `UserKnownHostsFile=${l.paths.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${rec.address}`, ...command];
      const r = spawnSync('ssh', args, { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
    });
}

function parsePositive(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 150) throw new UserError(`${flag} takes a whole number from 1 to 150, not "${v}"`);
  return n;
}
