import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { FACTS_SCRIPT, knownBootFacts, parseBootFacts, parseFacts, type BootFacts } from './facts-probe.js';

// Probe output as the facts script prints it (recorded shapes from a lab host and a VM).
const base = ['hostname=front1', 'os_id=debian', 'os_version_id=12', 'os_codename=bookworm', 'kernel=6.1.0', 'arch=x86_64', 'cpus=2', 'mem_kb=2048000', 'init=systemd', 'virt=kvm', 'user=root'];

describe('parseFacts: default_interface', () => {
  const cases: { name: string; lines: string[]; iface: string; ipv4: string[] }[] = [
    { name: 'the default route decides', lines: ['ipv4=10.0.0.5', 'ipv4_if=eth1', 'ipv4=192.0.2.7', 'ipv4_if=eth0', 'default_if=eth0'], iface: 'eth0', ipv4: ['10.0.0.5', '192.0.2.7'] },
    {
      name: 'no default route: the first address',
      lines: ['ipv4=172.31.250.11', 'ipv4_if=host0', 'ipv4=172.31.250.10', 'ipv4_if=host0', 'default_if='],
      iface: 'host0',
      ipv4: ['172.31.250.11', '172.31.250.10'],
    },
    { name: 'no address at all', lines: ['default_if='], iface: '', ipv4: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const f = parseFacts([...base, ...c.lines].join('\n'));
      expect(f.default_interface).toBe(c.iface);
      expect(f.ipv4).toEqual(c.ipv4);
      expect(f.default_ipv4).toBe(c.ipv4[0] ?? '');
    });
  }
});

describe('facts', () => {
  it('parses recorded output of a Debian 12 lab host', () => {
    const out = [
      'hostname=web1',
      'os_id=debian',
      'os_version_id=12',
      'os_codename=bookworm',
      'os_pretty=Debian GNU/Linux 12 (bookworm)',
      'os_like=',
      'kernel=6.1.0-18-amd64',
      'arch=x86_64',
      'cpus=4',
      'mem_kb=8148012',
      'ipv4=172.31.250.21',
      'ipv4_if=host0',
      'ipv4=10.0.0.5',
      'ipv4_if=host0',
      'default_if=',
      'init=systemd',
      'virt=systemd-nspawn',
      'user=root',
    ].join('\n');
    expect(parseFacts(out)).toEqual({
      hostname: 'web1',
      fqdn: 'web1',
      os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
      kernel: '6.1.0-18-amd64',
      arch: 'x86_64',
      cpus: 4,
      memory_mb: 7957,
      ipv4: ['172.31.250.21', '10.0.0.5'],
      default_ipv4: '172.31.250.21',
      default_interface: 'host0',
      init: 'systemd',
      virtualization: 'systemd-nspawn',
      user: 'root',
    });
  });

  it('treats a derivative (ID_LIKE=debian) as the debian family and survives missing lines', () => {
    const f = parseFacts('os_id=ubuntu\nos_like=debian\ngarbage\n=x');
    expect(f.os.family).toBe('debian');
    expect(f.cpus).toBe(1);
    expect(f.ipv4).toEqual([]);
  });

  it('the facts script runs with /bin/sh and yields parseable facts here too', () => {
    const f = parseFacts(execFileSync('/bin/sh', ['-c', FACTS_SCRIPT], { encoding: 'utf8' }));
    expect(f.os.id).not.toBe('');
    expect(f.cpus).toBeGreaterThan(0);
    expect(f.memory_mb).toBeGreaterThan(0);
  });

  it('arch and virtualization are not detected again while the boot id is the remembered one', () => {
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const run = (known?: BootFacts) => execFileSync('/bin/sh', ['-c', `${knownBootFacts(known)}\n${FACTS_SCRIPT}`], { encoding: 'utf8' });
    const detected = run();
    expect(parseBootFacts(detected)).toEqual({ bootId, arch: execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim(), virt: parseFacts(detected).virtualization });
    // Remembered values a detection could never give: printed as they are, quotes and all.
    const same = run({ bootId, arch: "arch 'x'", virt: 'virt $(nope)' });
    expect(parseFacts(same)).toMatchObject({ arch: "arch 'x'", virtualization: 'virt $(nope)' });
    // Another boot: detected again.
    const other = run({ bootId: '00000000-0000-0000-0000-000000000000', arch: 'stale', virt: 'stale' });
    expect(parseFacts(other)).toMatchObject({ arch: parseFacts(detected).arch, virtualization: parseFacts(detected).virtualization });
    expect(parseBootFacts('hostname=a\narch=x86_64\n')).toBeUndefined();
  });
});
