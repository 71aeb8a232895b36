/**
 * `npm run bench:upgrade`: how long `wpha upgrade` takes to replace N web machines (behind two
 * HAProxy/keepalived front servers holding a virtual IP) at batch 1 and at batch 50%, how many
 * requests a client sent through the virtual IP during each roll and how many failed, and the
 * time per phase (create, converge, gate, soak, drain, destroy). Prints figures; asserts nothing.
 * Runs in the lab of WPHA_LAB_* with hosts of its own (released at the end, also on failure):
 *   WPHA_BENCH_WEB=2              web machines to replace (1-8)
 *   WPHA_BENCH_FULL_UPGRADE=1     the new image is base + apt-get full-upgrade (default: base + a
 *                                 marker file, so the figures show wpha's own costs)
 * The web nodes are the front-tier tests' static site (nginx page cache), not WordPress.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { Lab } from '../lab/lab.js';
import { AUTO_ADDRESS_FIRST, AUTO_ADDRESS_LAST, labConfig } from '../lab/config.js';
import { claimAddress, releaseAddress } from '../lab/host.js';
import { LabProvider } from '../providers/lab.js';
import { readState } from '../state/state-file.js';
import { projectRoot } from '../paths.js';
import type { UpgradeEvent } from '../upgrade/report.js';
import { runOnHost, type SshTarget } from './stack-load.js';
import { renderRolls, type RollFigures } from './upgrade-report.js';

const log = (s: string) => console.error(`[bench:upgrade] ${s}`);
const bin = path.join(projectRoot(), 'bin', 'wpha');

async function wpha(args: string[]) {
  const r = await execa('node', [bin, ...args], { reject: false, env: { ...process.env, CI: '1' }, timeout: 3_600_000, input: '' });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A curl loop on the client host until `stop` exists there: one request every ~100 ms. */
const LOOP = (url: string, stop: string) => `rm -f '${stop}'
while [ ! -e '${stop}' ]; do curl -s -o /dev/null --connect-timeout 1 -m 2 -w '%{http_code}\\n' '${url}'; sleep 0.1; done
rm -f '${stop}'`;

async function roll(client: SshTarget, vip: string, label: string, hosts: number, args: string[]): Promise<RollFigures> {
  const stop = `/tmp/wpha-bench-upgrade-${process.pid}`;
  const loop = runOnHost(client, LOOP(`http://${vip}/`, stop), 3_600_000);
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = performance.now();
  const r = await wpha(args);
  const ms = performance.now() - t0;
  await runOnHost(client, `touch '${stop}'`, 30_000);
  const codes = (await loop).stdout.split('\n').filter(Boolean);
  const events = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as UpgradeEvent);
  const start = events.find((e): e is Extract<UpgradeEvent, { type: 'upgrade-start' }> => e.type === 'upgrade-start');
  if (r.code !== 0) log(`${label}: exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const failedCodes: Record<string, number> = {};
  for (const c of codes.filter((x) => x !== '200')) failedCodes[c] = (failedCodes[c] ?? 0) + 1;
  return { label, hosts, batches: start?.batches ?? 0, ms, exitCode: r.code, events, requests: codes.length, failed: codes.filter((c) => c !== '200').length, failedCodes };
}

async function main(): Promise<void> {
  const web = Number(process.env.WPHA_BENCH_WEB ?? 2);
  if (!Number.isInteger(web) || web < 1 || web > 8) throw new Error(`WPHA_BENCH_WEB must be 1 to 8, found "${process.env.WPHA_BENCH_WEB}"`);
  const c = labConfig();
  const lab = new Lab(c, (s) => log(`lab: ${s}`));
  const tag = randomBytes(2).toString('hex');
  const names = ['front1', 'front2', 'client'].map((n) => `bup-${tag}-${n}`);
  const work = mkdtempSync(path.join(tmpdir(), 'wpha-bench-upgrade-'));
  const vipOwner = `bup-${tag}-vip`;
  let vip = '';
  let image = '';
  const rolls: RollFigures[] = [];
  try {
    const up = await lab.up(names.map((name) => ({ name })));
    for (let i = AUTO_ADDRESS_FIRST; i <= AUTO_ADDRESS_LAST && !vip; i++) if (claimAddress(c, `${c.subnetPrefix}.${i}`, vipOwner)) vip = `${c.subnetPrefix}.${i}`;
    const [f1, f2, cl] = up.map((u) => u.address) as [string, string, string];
    const inv = path.join(work, 'inventory');
    mkdirSync(path.join(inv, 'roles'), { recursive: true });
    symlinkSync(path.join(projectRoot(), 'test/front/fixtures/roles/cached_static'), path.join(inv, 'roles', 'cached_static'));
    writeFileSync(path.join(work, 'mark.sh'), '#!/bin/sh\necho "bench:upgrade" > /etc/wpha-bench-upgrade\n');
    const built = await wpha(['image', 'build', '--from', 'base', ...(process.env.WPHA_BENCH_FULL_UPGRADE ? [] : ['--no-upgrade']), '--script', path.join(work, 'mark.sh'), '--note', 'bench:upgrade']);
    if (built.code !== 0) throw new Error(`image build: ${built.stderr}`);
    image = built.stdout.trim();
    writeFileSync(
      path.join(inv, 'inventory.yaml'),
      stringify({
        providers: { lab: { type: 'lab' } },
        defaults: { user: 'root', ssh: { key: lab.paths.sshKey, known_hosts: lab.paths.knownHosts } },
        hosts: { [names[0]!]: { address: f1 }, [names[1]!]: { address: f2 }, [names[2]!]: { address: cl } },
        groups: {
          front: { hosts: names.slice(0, 2), roles: ['haproxy', 'keepalived'], vars: { haproxy_health_path: '/health.php' } },
          web: {
            roles: ['cached_static'],
            machines: { provider: 'lab', image: 'base', count: web },
            upgrade: {
              checks: [
                { name: 'home page', http: { path: '/', host: 'shop.test', contains: 'home from' } },
                { name: 'nginx', command: 'systemctl is-active nginx' },
              ],
              soak: '5s',
            },
          },
        },
        vars: { keepalived_vips: [`${vip}/24`], keepalived_auth_pass: 'benchvip', keepalived_router_id: Number(vip.split('.')[3]) },
      }),
    );
    log(`${web} web machine(s), fronts ${names[0]} ${names[1]}, client ${names[2]}, VIP ${vip}, new image ${image}`);
    for (const step of [
      ['machines', 'create', '-i', inv, '--group', 'web'],
      ['apply', '-i', inv],
    ]) {
      const r = await wpha(step);
      if (r.code !== 0) throw new Error(`${step.slice(0, 2).join(' ')}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
    }
    const client: SshTarget = { key: lab.paths.sshKey, knownHosts: lab.paths.knownHosts, address: cl };
    // Until every web machine is UP on both fronts.
    for (let i = 0; i < 60; i++) {
      const st = await Promise.all([f1, f2].map((a) => runOnHost({ ...client, address: a }, 'wpha-lb status', 30_000)));
      if (
        st.every(
          (s) =>
            s.stdout
              .trim()
              .split('\n')
              .filter((l) => / UP /.test(l)).length === web,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    rolls.push(await roll(client, vip, `to ${image}, --batch 1`, web, ['upgrade', '-i', inv, '--group', 'web', '--image', image, '--batch', '1', '--json']));
    rolls.push(await roll(client, vip, 'back to base, --batch 50%', web, ['upgrade', '-i', inv, '--group', 'web', '--image', 'base', '--batch', '50%', '--json']));
  } finally {
    console.log([`machine: ${availableParallelism()} CPU(s), load ${loadavg()[0]!.toFixed(1)}`, ...renderRolls(rolls)].join('\n'));
    log('releasing the bench hosts...');
    const inv = path.join(work, 'inventory');
    try {
      const state = readState(inv);
      for (const m of await new LabProvider('lab', state.id).list()) await new LabProvider('lab', state.id).destroy(m.id);
    } catch (e) {
      log(`cleanup: ${(e as Error).message}`);
    }
    await lab
      .stop(
        names.filter((n) => lab.hosts().some((h) => h.name === n)),
        { purge: true },
      )
      .catch((e) => log(`cleanup: ${(e as Error).message}`));
    if (vip) releaseAddress(c, vip, vipOwner);
    if (image) await wpha(['image', 'delete', image]);
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
