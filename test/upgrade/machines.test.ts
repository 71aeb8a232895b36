/**
 * The lab provider and image generations on real lab hosts: machines made from a generation join
 * their group (inventory show, apply), their host keys are the ones the lab wrote; a killed
 * creation leaves an orphan that reconcile destroys; destroyed machines leave no process and no
 * disk; a generation is kept while a host uses it; bad input is refused before anything is made.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { acquireLabHosts, sshRun, type LabHosts } from '../helpers/lab-hosts.js';
import { hostDone, jsonEvents, runWpha } from '../helpers/wpha-cli.js';
import { labConfig } from '../../src/lab/config.js';
import { hostFiles, readHost } from '../../src/lab/host.js';
import { isOurProcess } from '../../src/lab/process.js';
import { LabProvider } from '../../src/providers/lab.js';
import { writeProviderInventory, readStateFile } from './inventory.js';

describe('machines from the lab provider', () => {
  let lab: LabHosts;
  let inv: string;
  let gen: string;
  const c = labConfig();
  const generations: string[] = [];

  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'mach');
    // A generation derived from the base image by a small change (no upgrade: seconds, not a minute).
    const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'mark-image.sh');
    const b = await runWpha(['image', 'build', '--from', 'base', '--no-upgrade', '--script', script, '--note', 'machines test'], { env: process.env as Record<string, string> });
    expect(b.stderr).toContain('Built image generation');
    gen = b.stdout.trim();
    generations.push(gen);
    inv = writeProviderInventory(
      lab,
      { groups: { front: { hosts: [0], roles: ['members'] }, web: { roles: ['members'] } }, roleDirs: ['test/upgrade/fixtures/roles'] },
      { web: { machines: { provider: 'lab', image: gen, count: 2 } } },
    );
  });
  afterAll(async () => {
    // Whatever a failed test left: every machine of this state, then the generations.
    const state = existsSync(path.join(inv ?? '/nonexistent', 'wpha-state.json')) ? readStateFile(inv) : undefined;
    if (state) for (const m of await new LabProvider('lab', state.id).list()) await new LabProvider('lab', state.id).destroy(m.id);
    await lab?.release();
    for (const g of generations.reverse()) await runWpha(['image', 'delete', g], { env: process.env as Record<string, string> });
  });

  const wpha = (args: string[]) => runWpha(args, { env: process.env as Record<string, string> });

  it('refuses an unknown image before anything is made', async () => {
    const r = await wpha(['machines', 'create', '-i', inv, '--group', 'web', '--count', '1', '--image', 'g99999']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('Unknown image generation "g99999"');
    expect(existsSync(path.join(inv, 'wpha-state.json')) ? Object.keys(readStateFile(inv).machines) : []).toEqual([]);
  });

  it("creates the group's machines from the generation; they join the group for inventory show and apply", async () => {
    const r = await wpha(['machines', 'create', '-i', inv, '--group', 'web']);
    expect(r.code).toBe(0);
    const names = r.stdout.trim().split('\n');
    expect(names).toHaveLength(2);
    const state = readStateFile(inv);
    for (const n of names) {
      expect(n).toMatch(/^web-[0-9a-f]{4}$/);
      expect(state.machines[n]).toMatchObject({ group: 'web', image: gen, status: 'serving', provider_id: n });
      // The lab host carries the state's tag and sits on the generation.
      expect(readHost(c, n)).toMatchObject({ image: gen, owner: { state: state.id, group: 'web' } });
      // Its key is pinned: strict SSH works, and the image's marker is there.
      const out = await sshRun(state.machines[n]!.address!, 'cat /etc/wpha-image.json /etc/wpha-machines-test', lab);
      expect(out.stdout).toBe(`${readFileSync(path.join(c.cacheDir, 'images', gen, 'layer/etc/wpha-image.json'), 'utf8')}made by the machines test`);
    }
    const show = await wpha(['inventory', 'show', '-i', inv, '--host', names[0]!]);
    expect(show.stdout).toContain(`  machine: made by provider "lab" (id ${names[0]}), image ${gen}, serving`);
    const apply = await wpha(['apply', '-i', inv, '--json']);
    expect(apply.code).toBe(0);
    const members = (await lab.ssh(lab.hosts[0]!.name, 'cat /etc/wpha-members')).stdout;
    expect(members.split('\n').filter(Boolean).sort()).toEqual(names.map((n) => `${n} ${state.machines[n]!.address}`).sort());
    const again = jsonEvents((await wpha(['apply', '-i', inv, '--json'])).stdout);
    for (const h of [lab.hosts[0]!.name, ...names]) expect(hostDone(again, h)?.recap).toMatchObject({ changed: 0, failed: 0 });
    // Nothing more to make: the group has its count.
    expect((await wpha(['machines', 'create', '-i', inv, '--group', 'web'])).stderr).toContain('Nothing to make');
  });

  it('a generation in use cannot be deleted', async () => {
    const r = await wpha(['image', 'delete', gen]);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(new RegExp(`Cannot delete image generation "${gen}": it is in use by \\d+ mounted host disk\\(s\\); lab host\\(s\\) web-`));
  });

  it('an orphan (a machine made for this state but never recorded, as after a kill) is listed and reconciled away', async () => {
    const state = readStateFile(inv);
    const orphan = await new LabProvider('lab', state.id).create({
      name: 'web-dead',
      group: 'web',
      image: gen,
      size: { cpus: 1, memoryMb: 512 },
      sshPublicKey: '',
      firstBoot: { hostname: 'web-dead', user: 'root' },
    });
    expect((await wpha(['machines', 'list', '-i', inv])).stdout).toMatch(/^web-dead\s+ORPHAN/m);
    const pid = readHost(c, orphan.id)!.pid!;
    expect((await wpha(['machines', 'reconcile', '-i', inv])).stderr).toContain('web-dead: unknown to the state, destroyed');
    expect(gone(pid, 'web-dead')).toEqual({ process: false, disk: false });
    expect((await wpha(['machines', 'list', '-i', inv])).stdout).not.toContain('web-dead');
  });

  it('destroy removes machine and disk; the state and the group forget them; then the generation can go', async () => {
    const names = Object.keys(readStateFile(inv).machines);
    const pids = names.map((n) => readHost(c, n)!.pid!);
    const r = await wpha(['machines', 'destroy', '-i', inv, ...names]);
    expect(r.code).toBe(0);
    names.forEach((n, i) => expect(gone(pids[i]!, n)).toEqual({ process: false, disk: false }));
    expect(readStateFile(inv).machines).toEqual({});
    expect((await wpha(['inventory', 'show', '-i', inv])).stdout).not.toContain('web-');
    expect((await wpha(['image', 'delete', gen])).code).toBe(0);
    generations.pop();
  });

  it('a generation derived with apt-get full-upgrade: its manifest is what dpkg says on a host made from it, and apt has nothing left to upgrade', async () => {
    const b = await wpha(['image', 'build', '--from', 'base', '--note', 'machines test: full-upgrade']);
    expect(b.code).toBe(0);
    const g = b.stdout.trim();
    generations.push(g);
    const manifest = JSON.parse((await wpha(['image', 'show', g])).stdout) as { packages: Record<string, string> };
    expect(manifest).toMatchObject({ id: g, parent: 'base', kind: 'derived', upgraded: true });
    const made = await wpha(['machines', 'create', '-i', inv, '--group', 'web', '--count', '1', '--image', g]);
    expect(made.code).toBe(0);
    const m = readStateFile(inv).machines[made.stdout.trim()]!;
    expect(m.image).toBe(g);
    const dpkg = await sshRun(m.address!, "dpkg-query -W -f '${Package} ${Version}\\n'", lab);
    expect(
      Object.fromEntries(
        dpkg.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(' ')),
      ),
    ).toEqual(manifest.packages);
    const left = await sshRun(m.address!, "apt-get -qq update && apt-get -s full-upgrade | grep -c '^Inst ' || true", lab);
    expect(left.stdout).toBe('0');
    expect((await wpha(['machines', 'destroy', '-i', inv, made.stdout.trim()])).code).toBe(0);
    expect((await wpha(['image', 'delete', g])).code).toBe(0);
    generations.pop();
  });

  /** Whether a lab host's nspawn still runs (a zombie does not) and its disk is still there. */
  const gone = (pid: number, name: string) => ({ process: isOurProcess(pid, hostFiles(c, name).root), disk: existsSync(hostFiles(c, name).dir) });
});
