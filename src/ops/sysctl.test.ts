import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sysctl, { makeSysctlOp, normalizeValue, procPath, type SysctlArgs, type SysctlState } from './sysctl.js';
import { converge, planContext, removeTempDir, runApply, runProbe, tempDir } from '../engine/testing/run-local.js';

const FILE = '/etc/sysctl.d/60-web.conf';
const args = (a: unknown): SysctlArgs => sysctl.args.parse(a);
const fixtures = join(import.meta.dirname, 'fixtures', 'sysctl');
const load = (name: string, a: SysctlArgs): SysctlState => sysctl.parse({ stdout: readFileSync(join(fixtures, `${name}.txt`), 'utf8'), rc: 0 }, a);
const ctx = planContext();

describe('sysctl args', () => {
  it.each([
    [{ name: 'net.core.somaxconn', value: 4096 }, true],
    [{ name: 'net.ipv4.tcp_rmem', value: '4096 131072 6291456', sysctl_file: FILE }, true],
    [{ name: 'net.ipv4.conf.eth0/100.rp_filter', value: 1 }, true],
    [{ name: 'vm.swappiness', state: 'absent' }, true],
    [{ name: 'vm.swappiness' }, false],
    [{ name: 'vm..swappiness', value: 1 }, false],
    [{ name: '../../etc/passwd', value: 1 }, false],
    [{ name: 'vm.swappiness', value: '1\nkernel.x = 2' }, false],
    [{ name: 'vm.swappiness', value: '  ' }, false],
    [{ name: 'vm.swappiness', value: 1, sysctl_file: '/etc/sysctl.d/x.txt' }, false],
    [{ name: 'vm.swappiness', value: 1, sysctl_file: 'x.conf' }, false],
  ])('%j valid=%s', (input, ok) => expect(sysctl.args.safeParse(input).success).toBe(ok));

  it.each([
    ['net.core.somaxconn', 'net/core/somaxconn'],
    ['net.ipv4.conf.eth0/100.rp_filter', 'net/ipv4/conf/eth0.100/rp_filter'],
  ])('procPath(%s) = %s', (n, p) => expect(procPath(n)).toBe(p));

  it('default file is one per key', () => {
    expect(sysctl.resources(args({ name: 'net.core.somaxconn', value: 1 }))).toEqual(['/etc/sysctl.d/60-wpha-net.core.somaxconn.conf']);
  });

  it('normalizes kernel tabs', () => expect(normalizeValue('4096\t131072\t33554432')).toBe('4096 131072 33554432'));
});

describe('sysctl parse (recorded)', () => {
  it('separates the file state from the live value', () => {
    const s = load('tcp-rmem-multivalue', args({ name: 'net.ipv4.tcp_rmem', value: 1, sysctl_file: FILE }));
    expect(s.live).toBe('4096\t131072\t33554432');
    expect(s.writable).toBe(true);
    expect(s.file.type).toBe('file');
    expect(s.file.content?.toString()).toBe('# tuned for the web tier\nnet.core.somaxconn = 1024\nvm.swappiness=10\n');
  });
  it('a missing setting has no live value', () => {
    expect(load('missing-key', args({ name: 'net.ipv4.conf.wpha0.rp_filter', value: 1, sysctl_file: FILE })).live).toBeUndefined();
  });
});

describe('sysctl plan (recorded)', () => {
  it('new file and live change', () => {
    const a = args({ name: 'net.core.somaxconn', value: 8192, sysctl_file: FILE });
    const plan = sysctl.plan(a, load('somaxconn-no-file', a), ctx);
    expect(plan.changed).toBe(true);
    const content = '# Kernel settings managed by wpha; changes made here are overwritten.\nnet.core.somaxconn = 8192\n';
    expect(plan.summary).toEqual([`create ${FILE} (${content.length} bytes, mode 0644, root:root)`, 'set kernel net.core.somaxconn: 4096 -> 8192']);
    expect(plan.files?.[0]?.content.toString()).toBe(content);
    expect(plan.apply).toContain(`wpha_put "$WPHA_STAGE"/${plan.files?.[0]?.sha256} ${FILE} 0644 root root '' '' absent ''`);
    expect(plan.apply).toContain("printf '%s\\n' 8192 > /proc/sys/net/core/somaxconn");
  });

  it('shared file: replaces only its own line, keeps others', () => {
    const a = args({ name: 'net.core.somaxconn', value: 8192, sysctl_file: FILE });
    const plan = sysctl.plan(a, load('shared-file', a), planContext({ diff: true }));
    expect(plan.files?.[0]?.content.toString()).toBe('# tuned for the web tier\nnet.core.somaxconn = 8192\nvm.swappiness=10\n');
    expect(plan.apply).toContain(' 9d152430a19c7a289d46e05eb164a31540028b561880dab9e20a73f359d4d5ca ');
    expect(plan.diff).toContain('+net.core.somaxconn = 8192');
  });

  it('file already right, live differs: only the live write', () => {
    const a = args({ name: 'net.core.somaxconn', value: 1024, sysctl_file: FILE });
    const plan = sysctl.plan(a, load('shared-file', a), ctx);
    expect(plan.summary).toEqual(['set kernel net.core.somaxconn: 4096 -> 1024']);
    expect(plan.files).toBeUndefined();
    expect(plan.apply).toMatch(/^if \[ -e \/proc\/sys\/net\/core\/somaxconn \]; then/);
  });

  it('live already right (tabs vs spaces): only the file, no live write', () => {
    const a = args({ name: 'net.ipv4.tcp_rmem', value: '4096 131072 33554432', sysctl_file: FILE });
    const plan = sysctl.plan(a, load('tcp-rmem-multivalue', a), ctx);
    const added = 'net.ipv4.tcp_rmem = 4096 131072 33554432\n';
    expect(plan.summary).toEqual([`update ${FILE} (68 bytes -> ${68 + added.length} bytes)`]);
    expect(plan.files?.[0]?.content.toString().endsWith(`vm.swappiness=10\n${added}`)).toBe(true);
    expect(plan.apply).not.toContain('/proc/sys');
  });

  it('read-only /proc/sys: file change plus a warning, the apply warns instead of failing', () => {
    const a = args({ name: 'kernel.osrelease', value: 'x', sysctl_file: FILE });
    const plan = sysctl.plan(a, load('read-only-osrelease', a), ctx);
    expect(plan.changed).toBe(true);
    expect(plan.warnings).toBeUndefined();
    expect(plan.summary).toContain(`(kernel setting kernel.osrelease is 6.18.44-fc-v669 on this host, not x: /proc/sys is read-only here, the value is only saved to ${FILE})`);
    expect(plan.apply).toContain(`echo '@@WPHA_WARN kernel setting kernel.osrelease saved to ${FILE} but not applied: /proc/sys is read-only on this host'`);
  });

  it('read-only /proc/sys and file right: not a change, still a warning', () => {
    const a = args({ name: 'net.core.somaxconn', value: 1024, sysctl_file: FILE });
    const plan = sysctl.plan(a, { ...load('shared-file', a), writable: false }, ctx);
    expect(plan.changed).toBe(false);
    expect(plan.apply).toBeUndefined();
    expect(plan.warnings?.[0]).toMatch(/is 4096 on this host, not 1024: \/proc\/sys is read-only here/);
  });

  it('missing setting: saved with a warning', () => {
    const a = args({ name: 'net.ipv4.conf.wpha0.rp_filter', value: 1, sysctl_file: FILE });
    const plan = sysctl.plan(a, load('missing-key', a), ctx);
    expect(plan.changed).toBe(true);
    expect(plan.summary.at(-1)).toMatch(/does not exist on this host \(is its kernel module loaded\?\)/);
    expect(plan.apply).toContain('it does not exist on this host');
  });

  it('reload false: file only', () => {
    const a = args({ name: 'net.core.somaxconn', value: 1024, sysctl_file: FILE, reload: false });
    expect(sysctl.plan(a, load('shared-file', a), ctx).changed).toBe(false);
  });

  it('absent removes the line only', () => {
    const a = args({ name: 'net.core.somaxconn', state: 'absent', sysctl_file: FILE });
    const plan = sysctl.plan(a, load('shared-file', a), ctx);
    expect(plan.files?.[0]?.content.toString()).toBe('# tuned for the web tier\nvm.swappiness=10\n');
    expect(plan.apply).not.toContain('/proc/sys');
    expect(sysctl.plan(a, load('somaxconn-no-file', a), ctx).changed).toBe(false);
  });
});

describe('sysctl run locally with /bin/sh (temp files; the real /proc/sys is only read)', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => removeTempDir(dir));

  it('writes the file and the (fake) live value, then converges', () => {
    const proc = join(dir, 'proc');
    mkdirSync(join(proc, 'net/core'), { recursive: true });
    writeFileSync(join(proc, 'net/core/somaxconn'), '128\n');
    const op = makeSysctlOp(proc);
    const file = join(dir, '60-web.conf');
    writeFileSync(file, 'vm.swappiness = 10\nnet.core.somaxconn=128\n');
    const r = converge(op, { name: 'net.core.somaxconn', value: 1024, sysctl_file: file }, { scratch: dir });
    expect(r.applied?.rc).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('vm.swappiness = 10\nnet.core.somaxconn = 1024\n');
    expect(readFileSync(join(proc, 'net/core/somaxconn'), 'utf8')).toBe('1024\n');
    expect(r.replan?.changed).toBe(false);
  });

  it('a read-only kernel setting is saved with a warning, not a failure', () => {
    const a = args({ name: 'kernel.osrelease', value: 'wpha-test', sysctl_file: join(dir, '61-ro.conf') });
    const before = sysctl.parse(runProbe(sysctl, a), a);
    // kernel.osrelease is 0444 for everyone, root included; never run this against a writable key.
    expect(before.writable).toBe(false);
    const plan = sysctl.plan(a, before, ctx);
    const r = runApply(sysctl, plan, dir);
    expect(r.rc).toBe(0);
    expect(r.stdout).toContain(`@@WPHA_WARN kernel setting kernel.osrelease saved to ${dir}/61-ro.conf but not applied: /proc/sys is read-only on this host`);
    expect(readFileSync(join(dir, '61-ro.conf'), 'utf8')).toContain('kernel.osrelease = wpha-test\n');
    const replan = sysctl.plan(a, sysctl.parse(runProbe(sysctl, a), a), ctx);
    expect(replan.changed).toBe(false);
    expect(replan.warnings?.[0]).toContain('/proc/sys is read-only here');
  });
});
