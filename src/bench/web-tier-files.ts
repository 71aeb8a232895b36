/**
 * The files the web-tier benchmark writes for one set of lab hosts: a wpha inventory (group `web`
 * with role `web_tier`), an Ansible INI inventory and a copy of the reference ansible.cfg that
 * trusts the lab's known_hosts. Text is built by pure functions (tested); `writeBenchInventories`
 * puts it on disk.
 */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { projectRoot } from '../paths.js';

export interface BenchHost {
  name: string;
  address: string;
}

export interface LabSsh {
  /** Private key that logs in as root on the lab hosts. */
  key: string;
  /** The lab's known_hosts (every lab host's key). */
  knownHosts: string;
}

/** Where the benchmark's workload lives in the project. */
export function webTierDir(root: string = projectRoot()): string {
  return path.join(root, 'bench', 'web-tier');
}

/** inventory.yaml for wpha: not `lab: true` (the engine must not boot hosts in the default lab). */
export function wphaInventoryYaml(hosts: readonly BenchHost[], ssh: LabSsh): string {
  const doc = {
    defaults: { user: 'root', ssh: { key: ssh.key, known_hosts: ssh.knownHosts } },
    hosts: Object.fromEntries(hosts.map((h) => [h.name, { address: h.address }])),
    groups: { web: { hosts: hosts.map((h) => h.name), roles: ['web_tier'] } },
  };
  return `# Written by the web-tier benchmark for ${hosts.length} lab host(s).\n${stringify(doc)}`;
}

/** The `[web]` group of the reference playbook, one line per host. */
export function ansibleInventoryIni(hosts: readonly BenchHost[], key: string): string {
  const lines = hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_user=root ansible_ssh_private_key_file=${key}`);
  return ['[web]', ...lines, ''].join('\n');
}

/**
 * The reference ansible.cfg with two additions only: ssh reads the lab's known_hosts (its host
 * keys are all there already, so nothing is learnt or written), and the ControlPersist sockets go
 * to a folder of this bench run (a reset host must not be reached through a stale master).
 * Everything else (host_key_checking, forks, pipelining, ControlPersist) stays as the reference
 * has it: it is the configuration being measured.
 */
export function ansibleCfg(reference: string, knownHosts: string, controlPathDir: string): string {
  const lines = reference.replace(/\n$/, '').split('\n');
  const i = lines.findIndex((l) => /^\s*ssh_args\s*=/.test(l));
  if (i < 0) throw new Error('The reference ansible.cfg has no ssh_args line');
  lines[i] = `${lines[i]!.trimEnd()} -o UserKnownHostsFile=${knownHosts}`;
  const section = lines.findIndex((l) => l.trim() === '[ssh_connection]');
  lines.splice(section + 1, 0, `control_path_dir = ${controlPathDir}`);
  return `${lines.join('\n')}\n`;
}

export interface BenchInventories {
  /** Folder to pass to `wpha apply -i`. */
  wpha: string;
  /** INI file to pass to `ansible-playbook -i`. */
  ansibleInventory: string;
  /** ANSIBLE_CONFIG for this set of hosts. */
  ansibleConfig: string;
  playbook: string;
}

/** Writes both inventories for `hosts` into `dir` (created). The role folder is linked, not copied. */
export function writeBenchInventories(dir: string, hosts: readonly BenchHost[], ssh: LabSsh, controlPathDir: string, root: string = projectRoot()): BenchInventories {
  const wt = webTierDir(root);
  const wpha = path.join(dir, 'wpha');
  mkdirSync(wpha, { recursive: true });
  writeFileSync(path.join(wpha, 'inventory.yaml'), wphaInventoryYaml(hosts, ssh));
  if (!existsSync(path.join(wpha, 'roles'))) symlinkSync(path.join(wt, 'roles'), path.join(wpha, 'roles'));
  mkdirSync(controlPathDir, { recursive: true, mode: 0o700 });
  const ansibleInventory = path.join(dir, 'ansible-hosts.ini');
  writeFileSync(ansibleInventory, ansibleInventoryIni(hosts, ssh.key));
  const ansibleConfig = path.join(dir, 'ansible.cfg');
  writeFileSync(ansibleConfig, ansibleCfg(readFileSync(path.join(wt, 'ansible', 'ansible.cfg'), 'utf8'), ssh.knownHosts, controlPathDir));
  return { wpha, ansibleInventory, ansibleConfig, playbook: path.join(wt, 'ansible', 'playbook.yml') };
}
