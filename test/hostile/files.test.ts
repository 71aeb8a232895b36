/**
 * Hostile hosts for file writes, on a real lab host: symbolic links planted at the destination or
 * on the way to it (the target, e.g. /etc/shadow, must stay byte-for-byte and mode-for-mode),
 * bytes that are not UTF-8 in output and in files, and full disks (the destination's, /tmp for
 * inline and for SFTP staging): every case fails with a message naming the problem, the old file
 * survives exactly, and no temp file is left anywhere.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { jsonEvents, runWpha, tasksOf } from '../helpers/wpha-cli.js';

const ROLES = 'test/hostile/fixtures/roles';

describe('hostile file system states on a lab host', () => {
  let lab: LabHosts;
  let host: string;
  let inv: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'hostile-fs');
    host = lab.hosts[0]!.name;
    // The "disk" role writes contents too big to inline (SFTP staging) and mid-sized ones.
    const gen = mkdtempSync(path.join(tmpdir(), 'wpha-hostile-disk-'));
    mkdirSync(path.join(gen, 'disk', 'templates'), { recursive: true });
    writeFileSync(path.join(gen, 'disk', 'templates', 'big.hbs'), `${'b'.repeat(300_000)}\n{{ inventory_hostname }}\n`);
    writeFileSync(path.join(gen, 'disk', 'templates', 'mid.hbs'), `${'m'.repeat(100_000)}\n{{ inventory_hostname }}\n`);
    writeFileSync(
      path.join(gen, 'disk', 'role.yaml'),
      [
        'description: writes on full disks',
        'tasks:',
        '  - { name: a big file on a full disk, template: { src: big.hbs, dest: /srv/full/app.conf }, tags: [dest] }',
        '  - { name: a mid-sized file with /tmp full, template: { src: mid.hbs, dest: /srv/mid.conf }, tags: [tmp-inline] }',
        '  - { name: a big file with /tmp full, template: { src: big.hbs, dest: /srv/big.conf }, tags: [tmp-sftp] }',
        '',
      ].join('\n'),
    );
    inv = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['links', 'bytes', 'disk'] } }, roleDirs: [ROLES, gen] }).dir;
  });
  afterAll(async () => lab?.release());

  const sh = async (cmd: string) => {
    const r = await lab.ssh(host, cmd);
    if (r.code !== 0) throw new Error(`${cmd}: ${r.stderr}`);
    return r.stdout;
  };
  const apply = async (tag: string, extra: string[] = []) => {
    const r = await runWpha(['apply', '-i', inv, '-t', tag, '--json', ...extra]);
    return { ...r, events: jsonEvents(r.stdout), tasks: tasksOf(jsonEvents(r.stdout), host) };
  };
  const noTempFiles = async (dirs: string) => expect(await sh(`ls -a ${dirs} /tmp | grep -E 'wpha' || true`)).toBe('');

  describe('symbolic links', () => {
    let shadow: string;
    let rootKeys: string;
    beforeAll(async () => {
      await sh('mkdir -p /srv/links /srv/real && ln -s /etc/shadow /srv/links/shadow-link && ln -s /srv/real /srv/links/root-dir');
      // bob owns his home: he can point links in it anywhere, e.g. at /etc or root's .ssh.
      await sh('useradd -m bob && runuser -u bob -- ln -s /etc /home/bob/conf && runuser -u bob -- ln -s /root/.ssh /home/bob/.ssh && touch /root/.ssh/authorized_keys');
      shadow = await sh('sha256sum /etc/shadow; stat -c %a:%U:%G /etc/shadow');
      rootKeys = await sh('sha256sum /root/.ssh/authorized_keys');
    });

    it.each([
      ['dest-copy', 'copy over a link', /^Cannot apply "copy" on host "\S+": "\/srv\/links\/shadow-link" is a symbolic link \(to "\/etc\/shadow"\); set follow: true to write the file it points to$/],
      ['dest-template', 'template over a link', /^Cannot apply "template" on host "\S+": "\/srv\/links\/shadow-link" is a symbolic link \(to "\/etc\/shadow"\)/],
      ['dest-lineinfile', 'lineinfile over a link', /^Cannot apply "lineinfile" on host "\S+": "\/srv\/links\/shadow-link" is a symbolic link \(to "\/etc\/shadow"\)/],
      ['dest-blockinfile', 'blockinfile over a link', /^Cannot apply "blockinfile" on host "\S+": "\/srv\/links\/shadow-link" is a symbolic link \(to "\/etc\/shadow"\)/],
      ['dest-mode', 'mode of a link', /^Cannot apply "file" on host "\S+": "\/srv\/links\/shadow-link" is a symbolic link, not a regular file$/],
      [
        'parent-user',
        'through a folder link the user owns',
        /^"\/home\/bob\/conf" is a symbolic link owned by bob \(to "\/etc"\): refusing to follow it as root to reach "\/home\/bob\/conf\/shadow"; use the real path$/,
      ],
      ['parent-user-mode', 'mode through a folder link the user owns', /^"\/home\/bob\/conf" is a symbolic link owned by bob/],
      ['parent-user-absent', 'remove through a folder link the user owns', /^"\/home\/bob\/conf" is a symbolic link owned by bob/],
      [
        'parent-user-ssh',
        'key file through a .ssh link the user owns',
        /^"\/home\/bob\/\.ssh" is a symbolic link owned by bob \(to "\/root\/\.ssh"\): refusing to follow it as root to reach "\/home\/bob\/\.ssh\/authorized_keys"/,
      ],
    ])('%s: refused, the target is untouched', async (tag, task, message) => {
      const r = await apply(tag);
      expect(r.code).toBe(1);
      expect(r.tasks.map((t) => [t.task, t.status])).toEqual([[task, 'failed']]);
      expect(r.tasks[0]!.error).toMatch(message);
      expect(await sh('sha256sum /etc/shadow; stat -c %a:%U:%G /etc/shadow')).toBe(shadow);
      expect(await sh('sha256sum /root/.ssh/authorized_keys')).toBe(rootKeys);
      await noTempFiles('/etc /srv/links /root/.ssh');
    });

    it("a folder link root owns is followed: the file lands where root's link points", async () => {
      const r = await apply('parent-root');
      expect(r.code).toBe(0);
      expect(await sh('cat /srv/real/app.conf')).toBe('ok');
    });
  });

  describe('bytes that are not UTF-8', () => {
    beforeAll(async () => {
      await sh("mkdir -p /srv/bytes && printf 'caf\\351=1\\nname=old\\n' > /srv/bytes/latin1.conf && cp /srv/bytes/latin1.conf /srv/bytes/latin1-replaced.conf");
    });

    it('in command output: replaced by U+FFFD, registered and written back; no crash', async () => {
      const r = await apply('output');
      expect(r.code).toBe(0);
      // "caf", U+FFFD, " ", U+FFFD U+FFFD, " ok\n": each invalid byte became one replacement character.
      expect(await sh("od -An -tx1 /srv/bytes/out | tr -d ' \\n'")).toBe('636166efbfbd20efbfbdefbfbd206f6b0a');
    });

    it('on stderr of a failing command: shown in the error, still one clean event', async () => {
      const r = await apply('stderr');
      expect(r.code).toBe(1);
      expect(r.tasks[0]!.error).toBe('exit 4: fatal: caf\uFFFD \uFFFD');
    });

    it('in a file lineinfile must edit: refused, the file is kept byte-for-byte', async () => {
      const before = await sh('sha256sum /srv/bytes/latin1.conf');
      const r = await apply('edit');
      expect(r.tasks[0]!.error).toMatch(/"\/srv\/bytes\/latin1\.conf" is not a UTF-8 text file; refusing to edit it/);
      expect(await sh('sha256sum /srv/bytes/latin1.conf')).toBe(before);
    });

    it('in a file replaced with --diff: no diff of binary text, the new content is written', async () => {
      const r = await apply('replace', ['--diff']);
      expect(r.code).toBe(0);
      expect(r.tasks[0]!.summary).toEqual(['update /srv/bytes/latin1-replaced.conf (16 bytes -> 9 bytes)', '(no diff: old content is binary)']);
      expect(await sh('cat /srv/bytes/latin1-replaced.conf')).toBe('name=new');
    });

    it('from `wpha run`: printed with U+FFFD, exit 0', async () => {
      const r = await runWpha(['run', '-i', inv, "printf 'caf\\351 \\377\\n'"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${host} | rc=0\n${host} | caf\uFFFD \uFFFD`);
    });
  });

  describe('full disks', () => {
    it("the destination's disk: the write fails naming the file; the old file survives byte-for-byte", async () => {
      await sh('mkdir -p /srv/full && mount -t tmpfs -o size=512k tmpfs /srv/full && printf "old content\\n" > /srv/full/app.conf && (dd if=/dev/zero of=/srv/full/filler bs=4k 2>/dev/null || true)');
      try {
        const before = await sh('sha256sum /srv/full/app.conf; stat -c %a:%s /srv/full/app.conf');
        const r = await apply('dest');
        expect(r.code).toBe(1);
        expect(r.tasks[0]!.error).toMatch(/No space left on device[\s\S]*cannot write the new content of "\/srv\/full\/app\.conf" \(full disk\?\); the file was not changed$/);
        expect(await sh('sha256sum /srv/full/app.conf; stat -c %a:%s /srv/full/app.conf')).toBe(before);
        await noTempFiles('/srv/full');
      } finally {
        await sh('umount /srv/full');
      }
    });

    it.each([
      [
        'tmp-inline',
        /^Cannot apply on host "\S+": cannot write 100\d+ bytes of file content to apply into \/tmp\/wpha\.\w+\/stage \(is the disk full\?\); nothing was changed \(base64: write error: No space left on device\)$/,
      ],
      ['tmp-sftp', /^Cannot upload file contents to apply to host "\S+": \/tmp has 0 KiB free, \d+ KiB are needed; nothing was changed$/],
    ])('/tmp full (%s): nothing is changed, the stage is removed, the message says why', async (tag, message) => {
      await sh('printf "old\\n" > /srv/mid.conf; printf "old\\n" > /srv/big.conf; mount -t tmpfs -o size=128k tmpfs /tmp && (dd if=/dev/zero of=/tmp/filler bs=4k 2>/dev/null || true)');
      try {
        const r = await apply(tag);
        expect(r.code).toBe(1);
        const failed = r.events.find((e) => e.type === 'host-failed') as { error: string } | undefined;
        expect(failed?.error).toMatch(message);
        expect(await sh('cat /srv/mid.conf /srv/big.conf')).toBe('old\nold');
        expect(await sh('ls -a /tmp')).toBe('.\n..\nfiller');
      } finally {
        await sh('umount /tmp');
      }
      // With room again, the same apply goes through.
      expect((await apply(tag)).code).toBe(0);
    });
  });
});
