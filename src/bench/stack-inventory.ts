/**
 * The stack bench's copy of the lab inventory (inventories/lab): the same files with every lab
 * address moved to the bench's subnet (hosts, the virtual IP, the VRRP firewall rule: any
 * a.b.c.N of the lab's /24 anywhere in the text), `lab: false` so the engine never boots
 * hosts of the default lab, and SSH pointed at the bench lab's key and known_hosts. Everything
 * else stays byte-for-byte what a user applies. Pure text functions (tested); `copyStackInventory`
 * puts the copy on disk.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseDocument, stringify } from 'yaml';
import { INVENTORY_FILE } from '../inventory/locate.js';
import type { Inventory } from '../model.js';
import { labEtcHosts } from '../cli/lab-hosts.js';
import type { LabSsh } from './web-tier-files.js';

const PREFIX = /^\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const escapeDots = (prefix: string) => prefix.replace(/\./g, '\\.');

/**
 * Every address `from.N` in `text` becomes `to.N`. Digits or dots right before or digits right
 * after do not match, so 10.172.31.250.5-like or 172.31.2500 text is left alone.
 */
export function remapSubnet(text: string, from: string, to: string): string {
  if (!PREFIX.test(from) || !PREFIX.test(to)) throw new Error(`Expected /24 prefixes like 172.31.250, found "${from}" and "${to}"`);
  return text.replace(new RegExp(`(?<![\\d.])${escapeDots(from)}\\.(\\d{1,3})(?!\\d)`, 'g'), (_m, last: string) => `${to}.${last}`);
}

/** Addresses of the /24 `prefix` found in `text` (to prove a copy has none of the lab's left). */
export function addressesIn(text: string, prefix: string): string[] {
  return [...text.matchAll(new RegExp(`(?<![\\d.])${escapeDots(prefix)}\\.\\d{1,3}(?!\\d)`, 'g'))].map((m) => m[0]);
}

/** The one /24 prefix of every host address in an inventory.yaml's `hosts` map. */
export function hostsSubnet(inventoryYaml: string): string {
  const doc = parseDocument(inventoryYaml);
  if (doc.errors.length) throw new Error(`Cannot read the inventory: ${doc.errors[0]!.message}`);
  const hosts = (doc.toJS() as { hosts?: Record<string, { address?: unknown }> }).hosts ?? {};
  const prefixes = new Set(
    Object.values(hosts).map((h) =>
      String(h?.address ?? '')
        .split('.')
        .slice(0, 3)
        .join('.'),
    ),
  );
  const [only] = prefixes;
  if (prefixes.size !== 1 || !only || !PREFIX.test(only)) throw new Error(`Expected every host of the inventory in one /24, found ${[...prefixes].map((p) => `"${p}"`).join(', ') || 'no host'}`);
  return only;
}

/**
 * inventory.yaml as the bench applies it: `lab: false` (with `lab: true` the engine would bring
 * the hosts up in the default lab) and `defaults.ssh` naming the bench lab's files. Edited as
 * text where it can be (the lab inventory has no `defaults`), so the rest of the file stays
 * byte-for-byte the same; through the YAML document otherwise. The result is read back and
 * checked either way.
 */
export function benchInventoryYaml(inventoryYaml: string, ssh: LabSsh): string {
  const doc = parseDocument(inventoryYaml);
  if (doc.errors.length) throw new Error(`Cannot read the inventory: ${doc.errors[0]!.message}`);
  let out: string;
  if (!doc.has('defaults') && /^lab:[ \t]*true[ \t]*(#.*)?$/m.test(inventoryYaml)) {
    const defaults = stringify({ defaults: { ssh: { key: ssh.key, known_hosts: ssh.knownHosts } } });
    out = `${inventoryYaml.replace(/^lab:[ \t]*true\b/m, 'lab: false').replace(/\n*$/, '\n')}\n# Set by the stack benchmark: the bench lab's SSH files.\n${defaults}`;
  } else {
    if (doc.has('lab')) doc.set('lab', false);
    doc.setIn(['defaults', 'ssh', 'key'], ssh.key);
    doc.setIn(['defaults', 'ssh', 'known_hosts'], ssh.knownHosts);
    out = doc.toString();
  }
  const back = parse(out) as { lab?: unknown; defaults?: { ssh?: { key?: unknown; known_hosts?: unknown } } };
  if (back.lab === true || back.defaults?.ssh?.key !== ssh.key || back.defaults.ssh.known_hosts !== ssh.knownHosts) throw new Error('The bench copy of inventory.yaml did not come out as intended');
  return `# Copy made by the stack benchmark: the lab's addresses moved to the bench's subnet, \`lab: false\`,\n# SSH set to the bench lab's files (at the end).\n\n${out}`;
}

export interface StackInventoryCopy {
  dir: string;
  /** The /24 the source used, e.g. "172.31.250". */
  fromSubnet: string;
}

function textFiles(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const r = path.join(rel, name);
    return statSync(path.join(dir, r)).isDirectory() ? textFiles(dir, r) : [r];
  });
}

/**
 * Copies the inventory folder `src` into `dest` (created) with its addresses moved to `toSubnet`
 * and inventory.yaml rewritten by `benchInventoryYaml`. Throws when any of the source's
 * addresses is left in the copy.
 */
export function copyStackInventory(src: string, dest: string, toSubnet: string, ssh: LabSsh): StackInventoryCopy {
  const fromSubnet = hostsSubnet(readFileSync(path.join(src, INVENTORY_FILE), 'utf8'));
  for (const rel of textFiles(src)) {
    let text = remapSubnet(readFileSync(path.join(src, rel), 'utf8'), fromSubnet, toSubnet);
    if (rel === INVENTORY_FILE) text = benchInventoryYaml(text, ssh);
    const left = addressesIn(text, fromSubnet);
    if (left.length && fromSubnet !== toSubnet) throw new Error(`The copy of ${rel} still names ${left.join(', ')}`);
    mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    writeFileSync(path.join(dest, rel), text);
  }
  return { dir: dest, fromSubnet };
}

export interface StackTargets {
  /** Every host of the inventory, to boot in the bench lab. */
  hosts: { name: string; address: string }[];
  /** The virtual IP the front servers hold (no prefix length). */
  vip: string;
  /** The first site: the Host header to send and the title its home page shows. */
  site: { domain: string; title: string };
  /** The host wrk runs on: the database host (it serves no HTTP, and it is a lab host). */
  loadClient: { name: string; address: string };
  /** The front servers (HAProxy + keepalived): the failover runs act on the one holding the VIP. */
  fronts: { name: string; address: string }[];
  /** `lab_etc_hosts`: names the lab writes into every host's /etc/hosts (the site at the VIP), as `apply -i lab` has them. */
  etcHosts: Record<string, string>;
}

interface SiteVar {
  domain?: unknown;
  title?: unknown;
}

/**
 * What the bench needs to know of the loaded copy: hosts, VIP (keepalived_vips of the front
 * group), site, the load client and the lab's extra /etc/hosts names. Throws when the copy does not look like the lab stack or an
 * address is outside `subnet` (the bench must only ever touch its own lab).
 */
export function stackTargets(inv: Inventory, subnet: string): StackTargets {
  const hosts = [...inv.hosts.values()].map((h) => ({ name: h.name, address: h.address }));
  const first = (group: string) => {
    const name = inv.groups.get(group)?.hosts[0];
    const host = name === undefined ? undefined : inv.hosts.get(name);
    if (!host) throw new Error(`The stack inventory has no host in group "${group}"`);
    return host;
  };
  const vips = first('front').vars.keepalived_vips;
  const vip = Array.isArray(vips) && typeof vips[0] === 'string' ? vips[0].split('/')[0]! : undefined;
  if (!vip) throw new Error('The stack inventory sets no keepalived_vips on the front group');
  const sites = first('web').vars.wordpress_sites;
  const site = (Array.isArray(sites) ? sites[0] : undefined) as SiteVar | undefined;
  if (typeof site?.domain !== 'string' || typeof site.title !== 'string') throw new Error('The stack inventory sets no wordpress_sites (domain, title) on the web group');
  const db = first('db');
  const etcHosts = labEtcHosts(inv);
  const outside = [...hosts.map((h) => h.address), vip, ...Object.values(etcHosts)].filter((a) => addressesIn(a, subnet).length !== 1);
  if (outside.length) throw new Error(`Addresses outside the bench subnet ${subnet}.0/24: ${outside.join(', ')}`);
  const fronts = (inv.groups.get('front')?.hosts ?? []).map((n) => ({ name: n, address: inv.hosts.get(n)!.address }));
  return { hosts, vip, site: { domain: site.domain, title: site.title }, loadClient: { name: db.name, address: db.address }, fronts, etcHosts };
}
