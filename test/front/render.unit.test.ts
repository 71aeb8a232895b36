/**
 * The front-tier roles (haproxy, keepalived, cache_warmer) rendered for the lab's hosts and
 * variables with recorded facts, without touching a host: every task expands (arguments valid,
 * templates render), and the computed parts are what the inventory says: backend servers and
 * health check, VRRP priorities by position, unicast peers, interface from facts, the warmer's
 * nodes and sites.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import type { Inventory } from '../../src/model.js';
import type { Facts } from '../../src/ops/facts.js';
import { loadForRun } from '../../src/engine/load.js';
import { expandHost as expandSteps, stepContent } from '../../src/engine/testing/expand-host.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const labInv = path.join(root, 'inventories/lab');

function facts(hostname: string, address: string, iface: string): Facts {
  return {
    hostname,
    fqdn: hostname,
    kernel: '6.1.0-28-amd64',
    arch: 'x86_64',
    cpus: 2,
    memory_mb: 2048,
    ipv4: [address],
    default_ipv4: address,
    default_interface: iface,
    init: 'systemd',
    virtualization: 'systemd-nspawn',
    user: 'root',
    os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
  };
}

/** The lab inventory's hosts and group vars, with the front-tier roles on front and web. */
function writeInventory(frontVars: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wpha-front-render-'));
  const lab = parse(readFileSync(path.join(labInv, 'inventory.yaml'), 'utf8')) as { hosts: Record<string, unknown>; groups: Record<string, { hosts?: string[]; roles?: string[] }> };
  const groups = structuredClone(lab.groups);
  groups.front = { hosts: ['front1', 'front2'], roles: ['haproxy', 'keepalived'] };
  groups.web = { ...groups.web, roles: [...(groups.web?.roles ?? []), 'cache_warmer'] };
  writeFileSync(path.join(dir, 'inventory.yaml'), stringify({ defaults: { user: 'root' }, hosts: lab.hosts, groups }));
  mkdirSync(path.join(dir, 'group_vars'));
  for (const g of readdirSync(path.join(labInv, 'group_vars')).map((f) => f.replace(/\.yaml$/, ''))) {
    const vars = parse(readFileSync(path.join(labInv, 'group_vars', `${g}.yaml`), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'group_vars', `${g}.yaml`), stringify(g === 'front' ? { ...vars, ...frontVars } : vars));
  }
  return dir;
}

const expandHost = (inv: Inventory, host: string, f: Facts) => expandSteps(inv, host, f).steps;
const content = stepContent;
const lines = (text: string, re: RegExp) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => re.test(l));

describe('front-tier roles on the lab inventory', () => {
  let inv: Inventory;
  beforeAll(async () => {
    inv = await loadForRun({ inventory: writeInventory(), cwd: root });
  });
  const front = (h: string, iface = 'host0') => expandHost(inv, h, facts(h, inv.hosts.get(h)!.address, iface));

  it('balances across the web group with the health check the lab sets', () => {
    const cfg = content(front('front1'), '/etc/haproxy/haproxy.cfg');
    expect(lines(cfg, /^server /)).toEqual(['server web1 172.31.250.21:80', 'server web2 172.31.250.22:80']);
    expect(cfg).toContain('http-check send meth GET uri /wpha-health ver HTTP/1.1 hdr Host localhost');
    expect(cfg).toContain('default-server check inter 2s fall 2 rise 2');
    expect(lines(cfg, /^http-request deny/)).toEqual(['/purge/', '/fpm-ping', '/fpm-status', '/wpha-health', '/nginx-status'].map((p) => `http-request deny deny_status 403 if { path_beg ${p} }`));
    expect(cfg).toContain('stats socket /run/haproxy/admin.sock mode 660 level admin');
    expect(cfg).not.toMatch(/cookie|stick|balance source/);
    expect(content(front('front1'), '/usr/local/sbin/wpha-lb')).toContain('\nBACKEND=web\nSTATE_FILE=/var/lib/haproxy/server-state\n');
  });

  it('elects by inventory position, peers by unicast with the other front, on the given interface', () => {
    const k1 = content(front('front1'), '/etc/keepalived/keepalived.conf');
    const k2 = content(front('front2'), '/etc/keepalived/keepalived.conf');
    expect(lines(k1, /^(priority|unicast_src_ip|interface|auth_pass|virtual_router_id) /)).toEqual([
      'interface host0',
      'virtual_router_id 51',
      'priority 250',
      'unicast_src_ip 172.31.250.11',
      'auth_pass lab-vrrp',
    ]);
    expect(lines(k2, /^(priority|unicast_src_ip) /)).toEqual(['priority 240', 'unicast_src_ip 172.31.250.12']);
    const peers = (k: string) => k.slice(k.indexOf('unicast_peer {'), k.indexOf('}', k.indexOf('unicast_peer {')));
    expect(lines(peers(k1), /^\d/)).toEqual(['172.31.250.12']);
    expect(lines(peers(k2), /^\d/)).toEqual(['172.31.250.11']);
    expect(lines(k1, /dev host0$/)).toEqual(['172.31.250.10/24 dev host0']);
    expect(k1).toContain('nopreempt');
    const check = content(front('front1'), '/usr/local/lib/wpha/keepalived-check');
    expect(lines(check, /^(pidof|curl)/)).toEqual(['pidof haproxy >/dev/null || exit 1', 'curl -fsS -o /dev/null --max-time 1 http://127.0.0.1:8404/healthz || exit 1']);
    // The standby file wpha-vip writes before a planned stop, tracked beside the check.
    expect(lines(k1, /^(file|weight|init_file|timeout) /)).toEqual(['timeout 2', 'file /run/keepalived-wpha-standby', 'weight 0', 'init_file 0 overwrite']);
    expect(k1).toMatch(/track_file \{\s+wpha_standby\s+\}\s+track_script \{\s+wpha_track\s+\}/);
  });

  it('hands the VIP over before keepalived or HAProxy stops: systemd drop-ins calling wpha-vip and wpha-lb', () => {
    const steps = front('front1');
    expect(lines(content(steps, '/etc/systemd/system/keepalived.service.d/50-wpha-handover.conf'), /^Exec/)).toEqual(['ExecStop=-/usr/local/sbin/wpha-vip standby --hold --port 80 --wait 10']);
    expect(lines(content(steps, '/etc/systemd/system/haproxy.service.d/50-wpha-handover.conf'), /^Exec/)).toEqual([
      'ExecStop=-/usr/local/sbin/wpha-lb handover',
      'ExecStopPost=-/usr/local/sbin/wpha-lb crashed',
      'ExecStartPost=-/usr/local/sbin/wpha-lb rejoin',
    ]);
    const vipTool = content(steps, '/usr/local/sbin/wpha-vip');
    expect(lines(vipTool, /^(IFACE|VIPS|PEERS)=/)).toEqual(['IFACE=host0', 'VIPS=172.31.250.10/24', 'PEERS=1']);
    expect(content(steps, '/usr/local/sbin/wpha-lb')).toContain('wpha-vip standby --hold --port 80 ||');
  });

  it('takes the interface from facts when none is set, and a per-host priority when given', async () => {
    const other = await loadForRun({ inventory: writeInventory({ keepalived_interface: '' }), cwd: root, extraVars: ['keepalived_priority=200'] });
    const k = content(expandHost(other, 'front2', facts('front2', '172.31.250.12', 'ens18')), '/etc/keepalived/keepalived.conf');
    expect(lines(k, /^(interface|priority) /)).toEqual(['interface ens18', 'priority 200']);
    expect(lines(k, / dev /)).toEqual(['172.31.250.10/24 dev ens18']);
  });

  it('lets VRRP through the common firewall between the two fronts only', () => {
    const fw = content(front('front1'), '/etc/nftables.conf');
    expect(lines(fw, /vrrp|dport 80/)).toEqual(['tcp dport 80 accept', 'ip saddr { 172.31.250.11, 172.31.250.12 } ip protocol vrrp accept']);
  });

  it('warms every web node for every WordPress site', () => {
    const steps = expandHost(inv, 'web1', facts('web1', '172.31.250.21', 'host0'));
    const conf = content(steps, '/etc/wpha/cache-warmer.conf');
    expect(lines(conf, /^(node|site|path|purge_prefix) /)).toEqual(['node 172.31.250.21:80', 'node 172.31.250.22:80', 'site shop.lab http /wp-sitemap.xml', 'path shop.lab /', 'purge_prefix /purge']);
    expect(content(steps, '/var/lib/wordpress/wp-content/mu-plugins/wpha-cache-purge.php')).toContain("const WPHA_CACHE_CONF = '/etc/wpha/cache-warmer.conf';");
  });
});
