/**
 * What `scripts/quickstart` prints once the lab is applied: where the site is (the front tier's
 * virtual IP, the Host header or /etc/hosts line a browser needs, the admin page) and what to try
 * next. Read from the resolved inventory (`wpha inventory show --json`), never hard-coded, so it
 * follows the lab inventory when that changes. Pure: no host is contacted.
 */

/** The part of `wpha inventory show --json` this reads. */
export interface ShownInventory {
  inventory: string;
  hosts: { name: string; address: string; roles: string[]; vars: Record<string, unknown> }[];
}

interface Site {
  id: string;
  domain: string;
  admin_user?: string;
}

const isSite = (v: unknown): v is Site => typeof v === 'object' && v !== null && typeof (v as Site).domain === 'string' && typeof (v as Site).id === 'string';

/** Where the sites answer: the VIP of the hosts running HAProxy, else the first web host's address. */
export function siteAddress(inv: ShownInventory): string | undefined {
  for (const h of inv.hosts.filter((x) => x.roles.includes('haproxy'))) {
    const vips = h.vars.keepalived_vips;
    if (Array.isArray(vips) && typeof vips[0] === 'string') return vips[0].replace(/\/\d+$/, '');
  }
  return inv.hosts.find((h) => h.roles.includes('haproxy'))?.address ?? inv.hosts.find((h) => h.roles.includes('wordpress'))?.address;
}

export function nextSteps(inv: ShownInventory): string {
  const web = inv.hosts.find((h) => h.roles.includes('wordpress'));
  const sites = (Array.isArray(web?.vars.wordpress_sites) ? web.vars.wordpress_sites : []).filter(isSite);
  const address = siteAddress(inv);
  const i = inv.inventory;
  const out: string[] = [''];
  if (address && sites.length > 0) {
    out.push(`The site${sites.length > 1 ? 's are' : ' is'} up, behind ${address}:`);
    for (const s of sites) {
      out.push(`  curl -H 'Host: ${s.domain}' http://${address}/`);
      out.push(`  admin: http://${s.domain}/wp-admin/ as "${s.admin_user ?? 'admin'}" (password: wordpress_admin_passwords.${s.id} in inventories/${i}/)`);
    }
    out.push(`A browser on this machine needs the name: add this line to /etc/hosts`);
    out.push(`  ${address} ${sites.map((s) => s.domain).join(' ')}`);
  }
  out.push('', 'Next:');
  out.push(`  bin/wpha plan -i ${i}                  # what an apply would change (nothing now)`);
  out.push(`  bin/wpha apply -i ${i}                 # again: 0 changed, one round trip per host`);
  out.push(`  bin/wpha plan -i ${i} -l web -e php_fpm_max_children=12   # a change, shown with its diff, not made`);
  out.push(`  bin/wpha test redis                   # a role's scenario on a fresh lab host`);
  out.push(`  bin/wpha lab ssh ${web?.name ?? 'HOST'}                 # a shell on a lab host; bin/wpha lab down to stop them`);
  out.push('  docs/getting-started.md, docs/migrating-from-ansible.md, docs/testing-roles.md');
  return out.join('\n') + '\n';
}
