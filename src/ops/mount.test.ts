/**
 * mount: the unit name (as systemd-escape computes it), the unit text, and the plan from probe
 * fixtures (file states and `systemctl show` output). The lab test test/ops/sources.test.ts
 * mounts on a real host.
 */
import { describe, expect, it } from 'vitest';
import { planContext } from '../engine/testing/run-local.js';
import { sha256Hex, type FileState, type UnitState } from './lib/index.js';
import mountOp, { mountUnitName, mountUnitText, type MountPrepared } from './mount.js';

const prepare = (raw: Record<string, unknown>) => mountOp.prepare!(mountOp.args.parse(raw), undefined as never);
const NFS = { what: 'nfs.lab:/export/uploads', where: '/srv/wp-uploads', type: 'nfs', options: 'vers=4.2,hard,noatime' };
const fileOf = (a: MountPrepared, sha = a.sha256): FileState => ({ parentExists: true, type: 'file', mode: '0644', owner: 'root', group: 'root', uid: 0, gid: 0, sha256: sha });
const unit = (active: string, enabled: string): UnitState => ({ known: true, loadState: 'loaded', activeState: active, unitFileState: enabled });
const absent: FileState = { parentExists: true, type: 'absent' };
const NOT_FOUND: UnitState = { known: true, loadState: 'not-found', activeState: 'inactive', unitFileState: '' };

describe('mount: unit name and text', () => {
  it.each([
    ['/srv/wp-uploads', 'srv-wp\\x2duploads.mount'],
    ['/var/lib/wordpress/wp-content/uploads', 'var-lib-wordpress-wp\\x2dcontent-uploads.mount'],
    ['//mnt//data/', 'mnt-data.mount'],
    ['/mnt/.hidden/a.b', 'mnt-.hidden-a.b.mount'],
    ['/.snap', '\\x2esnap.mount'],
    ['/mnt/a b/ü', 'mnt-a\\x20b-\\xc3\\xbc.mount'],
  ])('%s -> %s (systemd-escape --path --suffix=mount)', (where, name) => {
    expect(mountUnitName(where)).toBe(name);
  });

  it('writes What/Where/Type/Options; a network file system waits for the network', () => {
    const text = mountUnitText(mountOp.args.parse(NFS));
    expect(text.split('\n').filter((l) => /^(What|Where|Type|Options|Wants|After|WantedBy|TimeoutSec)=/.test(l))).toEqual([
      'Wants=network-online.target',
      'After=network-online.target',
      'What=nfs.lab:/export/uploads',
      'Where=/srv/wp-uploads',
      'Type=nfs',
      'Options=vers=4.2,hard,noatime',
      'TimeoutSec=30',
      'WantedBy=remote-fs.target',
    ]);
    const tmpfs = mountUnitText(mountOp.args.parse({ what: 'tmpfs', where: '/mnt/t', type: 'tmpfs' }));
    expect(tmpfs).toContain('Options=defaults\n');
    expect(tmpfs).toContain('WantedBy=local-fs.target\n');
    expect(tmpfs).not.toContain('network-online');
  });

  it('refuses arguments that would break the unit file', () => {
    const bad = (raw: Record<string, unknown>) => mountOp.args.safeParse({ ...NFS, ...raw }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(bad({ where: '/' })).toEqual(['where: must not be "/"']);
    expect(bad({ options: 'rw, noatime' })).toEqual(['options: must not contain whitespace']);
    expect(bad({ what: 'a\nExecStart=/bin/sh' })).toEqual(['what: must not contain whitespace']);
    expect(bad({ type: 'NFS;' })).toEqual(['type: must be a file system type such as nfs, ext4 or tmpfs']);
    expect(bad({ description: 'two\nlines' })).toEqual(['description: must be one line']);
  });
});

describe('mount: plan', () => {
  const a = prepare(NFS);
  const plan = (file: FileState, u: UnitState) => mountOp.plan(a, { file, unit: u }, planContext());

  it("new: write the unit, reload, enable, mount (with the mount's own error on failure)", () => {
    const p = plan(absent, NOT_FOUND);
    expect(p.summary).toEqual([
      `create /etc/systemd/system/srv-wp\\x2duploads.mount (${a.content.length} bytes, mode 0644, root:root)`,
      'enable srv-wp\\x2duploads.mount',
      'mount nfs.lab:/export/uploads on /srv/wp-uploads',
    ]);
    expect(p.apply).toContain('systemctl daemon-reload');
    expect(p.apply).toContain("systemctl start -- 'srv-wp\\x2duploads.mount' 2>/dev/null || { journalctl --sync 2>/dev/null || :; ");
    expect(p.apply).toContain("journalctl -q -u 'srv-wp\\x2duploads.mount' -n 4 --no-pager -o cat >&2 || :; echo 'cannot mount (systemctl start srv-wp\\x2duploads.mount failed)' >&2; exit 1; }");
    expect(p.files?.[0]?.sha256).toBe(sha256Hex(a.content));
  });

  it('converged: nothing; inactive: only started; disabled: only enabled', () => {
    expect(plan(fileOf(a), unit('active', 'enabled'))).toEqual({ changed: false, summary: [] });
    expect(plan(fileOf(a), unit('failed', 'enabled')).summary).toEqual(['mount nfs.lab:/export/uploads on /srv/wp-uploads']);
    const p = plan(fileOf(a), unit('active', 'disabled'));
    expect(p.summary).toEqual(['enable srv-wp\\x2duploads.mount']);
    expect(p.apply).not.toContain('daemon-reload');
  });

  it('changed options on a mounted share: rewrite, reload, remount', () => {
    const p = plan(fileOf(a, 'f'.repeat(64)), unit('active', 'enabled'));
    expect(p.summary.slice(1)).toEqual(['enable srv-wp\\x2duploads.mount', 'remount /srv/wp-uploads (systemctl restart srv-wp\\x2duploads.mount)']);
    expect(p.apply).toContain('systemctl restart --');
  });

  it('absent: unmount, disable and remove; nothing when already gone', () => {
    const gone = prepare({ ...NFS, state: 'absent' });
    const p = mountOp.plan(gone, { file: fileOf(a), unit: unit('active', 'enabled') }, planContext());
    expect(p.summary).toEqual(['unmount /srv/wp-uploads and remove srv-wp\\x2duploads.mount']);
    expect(p.apply).toContain("rm -f -- '/etc/systemd/system/srv-wp\\x2duploads.mount'");
    expect(mountOp.plan(gone, { file: absent, unit: NOT_FOUND }, planContext())).toEqual({ changed: false, summary: [] });
  });

  it('refuses to guess when systemd does not answer', () => {
    expect(() => plan(fileOf(a), { known: false })).toThrow(/is systemd running on this host/);
  });
});
