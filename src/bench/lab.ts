/**
 * `npm run bench:lab`: how fast the lab builds and boots, and what a host costs. Prints figures;
 * asserts nothing. Uses a lab of its own (own state dir, bridge and subnet), so a lab the user
 * has running is not disturbed.
 *   - base image build, cold (into a temporary cache; skip with WPHA_BENCH_SKIP_COLD=1)
 *   - 1, 10 and 50 hosts up to "answering on SSH" (warm image), and then systemd "running"
 *   - RAM per host (PSS of every process in the host) and the machine's MemAvailable drop
 * Targets: 10 hosts ready for SSH < 10 s, 50 hosts < 40 s, < 60 MB RAM each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Lab } from '../lab/lab.js';
import { labConfig } from '../lab/config.js';
import { ensureBaseImage } from '../lab/image.js';
import { hostMemoryMb, memAvailableMb } from './proc-mem.js';
import { execa } from 'execa';

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const base = labConfig();
  const stateDir = mkdtempSync(path.join(tmpdir(), 'wpha-bench-lab-'));
  const config = { ...base, stateDir, bridge: 'wpha-bench0', subnetPrefix: '172.31.248', proxyPort: 3148 };
  const lab = new Lab(config, (s) => console.error(`  ${s}`));
  const rows: [string, string][] = [];
  try {
    if (!process.env.WPHA_BENCH_SKIP_COLD) {
      const coldCache = mkdtempSync(path.join(tmpdir(), 'wpha-bench-cache-'));
      const t = Date.now();
      await ensureBaseImage({ ...config, cacheDir: coldCache }, 0, () => {});
      rows.push(['base image build (cold, debootstrap)', sec(Date.now() - t)]);
      rmSync(coldCache, { recursive: true, force: true });
    }
    await lab.ensureInfrastructure();
    for (const n of [1, 10, 50]) {
      const before = memAvailableMb();
      const names = Array.from({ length: n }, (_, i) => ({ name: `b${n}-${i + 1}` }));
      const t = Date.now();
      await lab.up(names);
      const sshMs = Date.now() - t;
      const key = lab.paths.sshKey;
      await Promise.all(
        names.map(async ({ name }) => {
          const h = lab.hosts().find((x) => x.name === name)!;
          await execa('ssh', ['-i', key, '-o', `UserKnownHostsFile=${lab.paths.knownHosts}`, '-o', 'BatchMode=yes', `root@${h.address}`, 'systemctl is-system-running --wait'], { reject: false });
        }),
      );
      const runningMs = Date.now() - t;
      await new Promise((r) => setTimeout(r, 2000)); // let boot-time transients settle before measuring memory
      const pids = lab
        .hosts()
        .filter((h) => names.some((x) => x.name === h.name))
        .map((h) => h.pid!);
      const mem = [...hostMemoryMb(pids).values()];
      const avg = mem.reduce((a, b) => a + b, 0) / mem.length;
      const drop = (before - memAvailableMb()) / n;
      rows.push([`${n} host(s) up, answering on SSH (warm)`, sec(sshMs)]);
      rows.push([`${n} host(s) up, systemd "running"`, sec(runningMs)]);
      rows.push([`${n} host(s): RAM per host, PSS avg / max`, `${avg.toFixed(1)} MB / ${Math.max(...mem).toFixed(1)} MB`]);
      rows.push([`${n} host(s): MemAvailable drop per host`, `${drop.toFixed(1)} MB`]);
      await lab.stop(
        names.map((x) => x.name),
        { purge: true },
      );
    }
  } finally {
    await lab.down({ purge: true }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }
  console.log('\nwpha lab benchmark (targets: 10 hosts < 10 s, 50 hosts < 40 s, < 60 MB per host)');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(48)} ${v}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
