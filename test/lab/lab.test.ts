/**
 * The lab itself, on real hosts: boot to a running systemd, SSH with host-key checking, packages
 * from Debian through the lab proxy, hosts reaching each other, name resolution that never leaves
 * the lab, and (on a separate lab of its own) idempotent `up` and a `down` that leaves nothing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireLabHosts, sshRun, type LabHosts } from '../helpers/lab-hosts.js';
import { Lab } from '../../src/lab/lab.js';
import { labConfig } from '../../src/lab/config.js';
import { proxyAccessLog } from '../../src/lab/proxy.js';

describe('lab hosts', () => {
  let lab: LabHosts;
  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'labt');
  });
  afterAll(async () => lab?.release());

  it('boot systemd as PID 1 to "running" with no failed unit', async () => {
    for (const h of lab.hosts) {
      const r = await lab.ssh(h.name, 'systemctl is-system-running --wait; systemctl --failed --no-legend --plain; cat /proc/1/comm');
      expect(r.stdout.split('\n')).toEqual(['running', 'systemd']);
    }
  });

  it('accept the lab key only with the host key the lab published', async () => {
    const h = lab.hosts[0]!;
    const ok = await lab.ssh(h.name, 'hostname');
    expect(ok).toMatchObject({ code: 0, stdout: h.name });
    // The same login against an empty known_hosts is refused: checking is really on.
    const empty = path.join(mkdtempSync(path.join(tmpdir(), 'wpha-kh-')), 'known_hosts');
    writeFileSync(empty, '');
    const refused = await sshRun(h.address, 'hostname', { key: lab.key, knownHosts: empty });
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/Host key verification failed/);
    const published = readFileSync(lab.knownHosts, 'utf8');
    const hostKey = (await lab.ssh(h.name, 'cut -d" " -f1,2 /etc/ssh/ssh_host_ed25519_key.pub')).stdout;
    expect(published).toContain(`${h.address},${h.name} ${hostKey}`);
  });

  it('give every host its own machine-id and host key', async () => {
    const ids = await Promise.all(lab.hosts.map((h) => lab.ssh(h.name, 'cat /etc/machine-id /etc/ssh/ssh_host_ed25519_key.pub')));
    expect(ids[0]!.stdout).toMatch(/^[0-9a-f]{32}\n/);
    expect(ids[0]!.stdout.split('\n')[0]).not.toBe(ids[1]!.stdout.split('\n')[0]);
    expect(ids[0]!.stdout.split('\n')[1]).not.toBe(ids[1]!.stdout.split('\n')[1]);
  });

  it('let hosts reach each other over the bridge, by address and by name', async () => {
    const [a, b] = lab.hosts as [(typeof lab.hosts)[0], (typeof lab.hosts)[0]];
    const byAddr = await lab.ssh(a.name, `timeout 5 bash -c 'exec 3<>/dev/tcp/${b.address}/22; head -c 7 <&3'`);
    expect(byAddr.stdout).toBe('SSH-2.0');
    const byName = await lab.ssh(a.name, `getent hosts ${b.name}`);
    expect(byName.stdout.split(/\s+/)).toEqual([b.address, b.name]);
  });

  it('keep every lookup inside the lab: no default route, resolver on loopback only', async () => {
    const h = lab.hosts[0]!;
    const r = await lab.ssh(h.name, 'ip -4 route show default | wc -l; grep ^nameserver /etc/resolv.conf; getent hosts deb.debian.org; echo rc=$?');
    expect(r.stdout.split('\n')).toEqual(['0', 'nameserver 127.0.0.1', 'rc=2']);
  });

  it('install a Debian package through the lab proxy, and the proxy refuses other sites', async () => {
    const h = lab.hosts[1]!;
    const r = await lab.ssh(h.name, 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q hello >/dev/null && hello');
    expect(r).toMatchObject({ code: 0, stdout: 'Hello, world!' });
    const denied = await lab.ssh(h.name, `curl -s -o /dev/null -w '%{http_code}' -x http://${lab.lab.config.subnetPrefix}.1:${lab.lab.config.proxyPort} http://example.com/`);
    expect(denied.stdout).toBe('403');
  });

  it('the proxy downloads a package once: the next host gets it from the cache', async () => {
    const log = proxyAccessLog(lab.lab.config);
    const before = existsSync(log) ? readFileSync(log, 'utf8').length : 0;
    const download = 'cd /tmp && apt-get update -q >/dev/null && apt-get download -q hello >/dev/null && ls hello_*.deb';
    const first = await lab.ssh(lab.hosts[1]!.name, download);
    const second = await lab.ssh(lab.hosts[0]!.name, download);
    expect([first.code, second.code]).toEqual([0, 0]);
    const deb = second.stdout.trim();
    let lines: string[] = [];
    for (let i = 0; i < 50 && lines.length < 2; i++) {
      lines = readFileSync(log, 'utf8')
        .slice(before)
        .split('\n')
        .filter((l) => l.includes(`/${deb} `));
      if (lines.length < 2) await new Promise((res) => setTimeout(res, 100));
    }
    // squid's access log: whatever the first request was (a cache may already hold it), the
    // second host's request was answered from the cache, not from the mirror.
    expect(lines).toHaveLength(2);
    expect(lines[1]!.split(/\s+/)[3]).toMatch(/^TCP_(MEM_)?HIT\/200$/);
  });

  it('reset gives a host a fresh disk with the same address and host key', async () => {
    const h = lab.hosts[0]!;
    await lab.ssh(h.name, 'echo data > /root/marker');
    const keyBefore = (await lab.ssh(h.name, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).stdout;
    const r = await lab.lab.reset(h.name);
    expect(r.address).toBe(h.address);
    const after = await lab.ssh(h.name, 'test -e /root/marker; echo $?; cat /etc/ssh/ssh_host_ed25519_key.pub');
    expect(after.stdout).toBe(`1\n${keyBefore}`);
  });
});

function procs(): { pid: number; ppid: number; pidNs: string; zombie: boolean }[] {
  const out = [];
  for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ pid: Number(p), ppid: Number(rest[1]), pidNs: readlinkSync(`/proc/${p}/ns/pid`), zombie: rest[0] === 'Z' });
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

describe('a lab of its own: up is idempotent, down leaves nothing behind', () => {
  const base = labConfig();
  const stateDir = mkdtempSync(path.join(tmpdir(), 'wpha-lab-own-'));
  const config = { ...base, stateDir, bridge: `wpha-t${process.pid % 10000}`, subnetPrefix: '172.31.249', proxyPort: 3149 };
  const lab = new Lab(config);

  afterAll(async () => {
    await lab.down({ purge: true }).catch(() => undefined);
    // Its package cache is named after its one-off bridge: no later lab reuses it.
    rmSync(path.join(config.cacheDir, `apt-proxy-${config.bridge}`), { recursive: true, force: true });
  });

  it('brings two hosts up, and a second up changes nothing', async () => {
    const first = await lab.up([{ name: 'own1' }, { name: 'own2', address: '172.31.249.20' }]);
    expect(first.map((r) => [r.name, r.address, r.action])).toEqual([
      ['own1', '172.31.249.100', 'started'],
      ['own2', '172.31.249.20', 'started'],
    ]);
    const pids = lab.hosts().map((h) => h.pid);
    // Each host's systemd lives in cgroups of its own (hosts sharing one tree kill each other's units).
    for (const h of lab.hosts()) {
      const init = procs().find((p) => p.ppid === h.pid)!;
      expect(readFileSync(`/proc/${init.pid}/cgroup`, 'utf8')).toContain(`:/wpha-lab/${h.machine}/payload/init.scope\n`);
    }
    const second = await lab.up([{ name: 'own1' }, { name: 'own2', address: '172.31.249.20' }]);
    expect(second.map((r) => r.action)).toEqual(['running', 'running']);
    expect(lab.hosts().map((h) => h.pid)).toEqual(pids);
  });

  it("writes the names the stack uses into every host's /etc/hosts", async () => {
    await lab.setExtraNames({ 'shop.lab': '172.31.249.10' });
    for (const h of lab.hosts()) {
      const other = lab.hosts().find((x) => x.name !== h.name)!;
      const r = await sshRun(h.address, `getent hosts shop.lab ${other.name} ${h.name}`, { key: lab.paths.sshKey, knownHosts: lab.paths.knownHosts });
      expect(r.stdout.split('\n').map((l) => l.split(/\s+/))).toEqual([
        ['172.31.249.10', 'shop.lab'],
        [other.address, other.name],
        ['127.0.1.1', h.name],
      ]);
    }
  });

  it('repairs a host whose nspawn died', async () => {
    const victim = lab.hosts().find((h) => h.name === 'own1')!;
    process.kill(victim.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const r = await lab.up([{ name: 'own1' }]);
    expect(r[0]!.action).toBe('restarted');
    const ok = await sshRun(r[0]!.address, 'systemctl is-system-running --wait', { key: lab.paths.sshKey, knownHosts: lab.paths.knownHosts });
    expect(ok.stdout).toBe('running');
  });

  it('down stops every process it started, unmounts every disk and removes its bridge', async () => {
    const pids = lab.hosts().map((h) => h.pid!);
    // The pid namespaces of the hosts' systemd (children of our nspawn processes): nothing may live on in them.
    const hostNamespaces = procs()
      .filter((p) => pids.includes(p.ppid))
      .map((p) => p.pidNs);
    expect(hostNamespaces.length).toBe(pids.length);
    await lab.down();
    expect(procs().filter((p) => hostNamespaces.includes(p.pidNs) && !p.zombie)).toEqual([]);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    expect(mounts.includes(stateDir)).toBe(false);
    expect(existsSync(`/sys/class/net/${config.bridge}`)).toBe(false);
    const alive = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
          if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false; // exited, awaiting its reaper
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(stateDir);
        } catch {
          return false;
        }
      });
    expect(alive).toEqual([]);
    for (const pid of pids) expect(alive).not.toContain(String(pid));
    expect(lab.status().hosts.every((h) => !h.running && !h.mounted)).toBe(true);
    for (const h of lab.hosts()) expect(existsSync(`/sys/fs/cgroup/unified/wpha-lab/${h.machine}`) || existsSync(`/sys/fs/cgroup/wpha-lab/${h.machine}`)).toBe(false);
  });
});
