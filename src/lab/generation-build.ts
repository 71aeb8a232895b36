/**
 * `wpha image build`: a new generation. Derived (`from`): an overlay mount with the parent's
 * layers read-only below an empty upper folder; `apt-get full-upgrade` (and an optional script)
 * run inside it under systemd-nspawn; the upper folder is the new generation. Full (no `from`):
 * debootstrap + the lab's customization + full-upgrade, a whole root. Packages come through the
 * lab's proxy (the image's resolver points nowhere). The build happens in `<id>.building` and is
 * renamed into place at the end, so a killed build never leaves a half generation behind.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabConfig } from './config.js';
import { BASE_PACKAGES, customize, imageRecipeId } from './image.js';
import { run } from './exec.js';
import { proxyUrl } from './proxy.js';
import { isMounted } from './host.js';
import { MANIFEST, imagesDir, lowerDirs, readGeneration, readPackages, type GenerationManifest } from './generations.js';
import { UserError } from '../errors.js';

export interface BuildOptions {
  /** Derive from this generation (default: a full build with debootstrap). */
  from?: string;
  /** Run apt-get full-upgrade (default true). */
  upgrade: boolean;
  /** A shell script run as root inside the image after the upgrade (path on this machine). */
  script?: string;
  note?: string;
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Claims the next free id by creating `<id>.building` (mkdir is atomic: two builds never share an id). */
function claimId(c: LabConfig): { id: string; dir: string } {
  mkdirSync(imagesDir(c), { recursive: true });
  for (;;) {
    const used = readdirSync(imagesDir(c))
      .map((n) => /^g(\d+)(\.building)?$/.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    const id = `g${Math.max(0, ...used) + 1}`;
    const dir = path.join(imagesDir(c), `${id}.building`);
    try {
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'pid'), `${process.pid}\n`);
      return { id, dir };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Removes builds left by processes that no longer run (unmounting their root first). */
export async function cleanStaleBuilds(c: LabConfig): Promise<string[]> {
  if (!existsSync(imagesDir(c))) return [];
  const removed: string[] = [];
  for (const n of readdirSync(imagesDir(c)).filter((x) => x.endsWith('.building'))) {
    const dir = path.join(imagesDir(c), n);
    const pid = Number(existsSync(path.join(dir, 'pid')) ? readFileSync(path.join(dir, 'pid'), 'utf8') : 0);
    if (pid > 0 && pidAlive(pid)) continue;
    if (isMounted(path.join(dir, 'root'))) await run('umount', ['-l', path.join(dir, 'root')]);
    rmSync(dir, { recursive: true, force: true });
    removed.push(n);
  }
  return removed;
}

export async function buildGeneration(c: LabConfig, opts: BuildOptions, log: (s: string) => void): Promise<GenerationManifest> {
  const parent = opts.from !== undefined ? readGeneration(c, opts.from) : undefined;
  if (opts.from !== undefined && !parent) throw new UserError(`Unknown image generation "${opts.from}": see \`wpha image list\``);
  if (opts.script !== undefined && !existsSync(opts.script)) throw new UserError(`Cannot build an image: script "${opts.script}" does not exist`);
  const lowers = opts.from !== undefined ? lowerDirs(c, opts.from) : [];
  await cleanStaleBuilds(c);
  const { id, dir } = claimId(c);
  const root = path.join(dir, 'root');
  const kind = opts.from !== undefined ? 'derived' : 'full';
  const logFile = path.join(dir, 'build.log');
  const step = async (what: string, cmd: string, args: string[]) => {
    log(`${id}: ${what}`);
    const r = await run(cmd, args, { allowFail: true });
    writeFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}\n`, { flag: 'a' });
    if (r.code !== 0) throw new UserError(`Cannot build image generation "${id}": ${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-6).join('\n')} (log: ${logFile})`);
  };
  try {
    mkdirSync(root);
    if (kind === 'derived') {
      for (const d of ['layer', 'work']) mkdirSync(path.join(dir, d));
      await step(`mount ${opts.from} read-only under a new layer`, 'mount', [
        '-t',
        'overlay',
        'overlay',
        '-o',
        `lowerdir=${lowers.join(':')},upperdir=${path.join(dir, 'layer')},workdir=${path.join(dir, 'work')}`,
        root,
      ]);
    } else {
      await step(`debootstrap ${c.suite} (a few minutes)`, 'debootstrap', ['--variant=minbase', `--include=${BASE_PACKAGES.join(',')}`, c.suite, root, c.mirror]);
      await customize(root, c);
    }
    const inImage = (what: string, script: string) =>
      step(what, 'systemd-nspawn', [
        '-q',
        '--register=no',
        '--keep-unit',
        '-D',
        root,
        '--resolv-conf=off',
        '--timezone=off',
        '--link-journal=no',
        '--setenv=DEBIAN_FRONTEND=noninteractive',
        'sh',
        '-ec',
        script,
      ]);
    if (opts.upgrade) {
      const apt = `apt-get -q -o Acquire::http::Proxy=${proxyUrl(c)} -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold`;
      // Lists and downloaded packages are dropped again: hosts fetch fresh lists through the proxy.
      await inImage('apt-get full-upgrade', `${apt} update; ${apt} -y full-upgrade; apt-get clean; rm -rf /var/lib/apt/lists/*`);
    }
    let scriptSha: string | undefined;
    if (opts.script !== undefined) {
      const body = readFileSync(opts.script);
      scriptSha = createHash('sha256').update(body).digest('hex');
      writeFileSync(path.join(root, 'wpha-image-script'), body, { mode: 0o700 });
      try {
        await inImage(`script ${path.basename(opts.script)}`, 'sh /wpha-image-script');
      } finally {
        rmSync(path.join(root, 'wpha-image-script'), { force: true });
      }
    }
    // Whatever a package's postinst made must not be shared by every host made from the image.
    for (const f of readdirSync(path.join(root, 'etc/ssh')).filter((n) => n.startsWith('ssh_host_'))) unlinkSync(path.join(root, 'etc/ssh', f));
    writeFileSync(path.join(root, 'etc/machine-id'), '');
    const built = new Date().toISOString();
    const base_recipe = kind === 'full' ? imageRecipeId(c) : parent!.base_recipe;
    const marker = { generation: id, ...(opts.from !== undefined ? { parent: opts.from } : {}), built };
    writeFileSync(path.join(root, 'etc/wpha-image.json'), JSON.stringify(marker) + '\n');
    const packages = readPackages(root);
    if (kind === 'derived') await step('unmount', 'umount', [root]);
    const files = path.join(dir, kind === 'derived' ? 'layer' : 'root');
    const bytes = Number((await run('du', ['-sb', files])).stdout.split(/\s/)[0]);
    const manifest: GenerationManifest = {
      id,
      ...(opts.from !== undefined ? { parent: opts.from } : {}),
      kind,
      built,
      suite: c.suite,
      ...(base_recipe ? { base_recipe } : {}),
      upgraded: opts.upgrade,
      ...(scriptSha ? { script_sha256: scriptSha } : {}),
      ...(opts.note ? { note: opts.note } : {}),
      packages,
      bytes,
    };
    if (kind === 'derived') rmSync(path.join(dir, 'work'), { recursive: true, force: true });
    if (kind === 'derived') rmSync(root, { recursive: true, force: true });
    rmSync(path.join(dir, 'pid'), { force: true });
    writeFileSync(path.join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    renameSync(dir, path.join(imagesDir(c), id));
    return manifest;
  } catch (e) {
    if (isMounted(root)) await run('umount', ['-l', root], { allowFail: true });
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
