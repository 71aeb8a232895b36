/**
 * A tiny signed APT repository built on the controller for the package tests: real .deb files
 * (dpkg-deb), a flat `Packages` index, a `Release` with its sha256, signed inline (`InRelease`)
 * with a throw-away ed25519 key (gpg). The lab host that serves it only runs an HTTP server.
 *
 *   const key = await makeSigningKey(dir, 'ops');
 *   const repo = await buildRepo(path.join(dir, 'repo'), key, [{ name: 'x', version: '1.0', files: {...} }]);
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

export interface SigningKey {
  homedir: string;
  /** ASCII-armored public key. */
  armored: string;
}

export interface DebSpec {
  name: string;
  version: string;
  description: string;
  /** Path inside the package (no leading /) -> content. Files under usr/bin/ are made executable. */
  files: Record<string, string>;
  /** Paths (absolute) that dpkg treats as configuration files. */
  conffiles?: string[];
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Fails with a clear message when the controller lacks a tool the package tests need. */
export async function requireTools(tools: string[]): Promise<void> {
  for (const t of tools) {
    const r = await execa('sh', ['-c', `command -v ${t}`], { reject: false });
    if (r.exitCode !== 0) throw new Error(`The package tests build a signed APT repository on the controller and need "${t}" (Debian: apt install gpg dpkg)`);
  }
}

/** A new ed25519 signing key in its own gpg home (no passphrase). */
export async function makeSigningKey(dir: string, name: string): Promise<SigningKey> {
  const homedir = path.join(dir, `gpg-${name}`);
  mkdirSync(homedir, { mode: 0o700, recursive: true });
  const gpg = (args: string[]) => execa('gpg', ['--homedir', homedir, '--batch', '--pinentry-mode', 'loopback', '--passphrase', '', ...args]);
  await gpg(['--quick-gen-key', `wpha ${name} test key <${name}@wpha.invalid>`, 'ed25519', 'sign', '0']);
  const { stdout } = await gpg(['--armor', '--export']);
  return { homedir, armored: `${stdout}\n` };
}

/** Stop the gpg-agent a key's home started. */
export async function dropSigningKey(key: SigningKey): Promise<void> {
  await execa('gpgconf', ['--homedir', key.homedir, '--kill', 'gpg-agent'], { reject: false });
}

/** Builds `spec` as `out/<name>_<version>_all.deb` (staging it under `work`); returns the file name. */
export async function buildDeb(work: string, out: string, spec: DebSpec): Promise<string> {
  const root = path.join(work, `${spec.name}_${spec.version}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(path.join(root, 'DEBIAN'), { recursive: true });
  const control = [
    `Package: ${spec.name}`,
    `Version: ${spec.version}`,
    'Architecture: all',
    'Maintainer: wpha tests <tests@wpha.invalid>',
    'Section: misc',
    'Priority: optional',
    `Description: ${spec.description}`,
  ].join('\n');
  writeFileSync(path.join(root, 'DEBIAN', 'control'), `${control}\n`);
  if (spec.conffiles?.length) writeFileSync(path.join(root, 'DEBIAN', 'conffiles'), `${spec.conffiles.join('\n')}\n`);
  for (const [rel, content] of Object.entries(spec.files)) {
    const p = path.join(root, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, rel.startsWith('usr/bin/') ? 0o755 : 0o644);
  }
  const file = `${spec.name}_${spec.version}_all.deb`;
  await execa('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, path.join(out, file)]);
  return file;
}

/**
 * Writes (or rewrites) a flat repository in `dir`: the .debs, Packages, Release, InRelease, and
 * the public key as key.asc. Returns the .deb file names.
 */
export async function buildRepo(dir: string, key: SigningKey, debs: DebSpec[]): Promise<string[]> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const work = path.join(path.dirname(dir), `${path.basename(dir)}-build`);
  mkdirSync(work, { recursive: true });
  const stanzas: string[] = [];
  const files: string[] = [];
  for (const spec of debs) {
    const file = await buildDeb(work, dir, spec);
    files.push(file);
    const bytes = readFileSync(path.join(dir, file));
    const { stdout: control } = await execa('dpkg-deb', ['-f', path.join(dir, file)]);
    stanzas.push(`${control.trim()}\nFilename: ./${file}\nSize: ${bytes.length}\nSHA256: ${sha256(bytes)}\n`);
  }
  const packages = `${stanzas.join('\n')}`;
  writeFileSync(path.join(dir, 'Packages'), packages);
  const release = [
    'Origin: wpha-ops-test',
    'Label: wpha-ops-test',
    `Date: ${new Date().toUTCString().replace('GMT', 'UTC')}`,
    'SHA256:',
    ` ${sha256(packages)} ${statSync(path.join(dir, 'Packages')).size} Packages`,
  ].join('\n');
  writeFileSync(path.join(dir, 'Release'), `${release}\n`);
  await execa('gpg', ['--homedir', key.homedir, '--batch', '--yes', '--pinentry-mode', 'loopback', '--passphrase', '', '--clearsign', '-o', path.join(dir, 'InRelease'), path.join(dir, 'Release')]);
  writeFileSync(path.join(dir, 'key.asc'), key.armored);
  return files;
}

/** The folder as a base64 tar.gz, to unpack on a lab host with `base64 -d | tar -xz -C DIR`. */
export async function tarBase64(dir: string): Promise<string> {
  const { stdout } = await execa('tar', ['-czf', '-', '-C', dir, '.'], { encoding: 'buffer' });
  return Buffer.from(stdout).toString('base64');
}
