/**
 * The package proxy: Debian's squid on the bridge address, usable only from the lab subnet, and
 * only towards the Debian mirror's hosts over plain HTTP (everything else is denied), so lab hosts
 * can install packages and reach nothing else.
 *
 * It caches what it fetches: a .deb (immutable: its name carries its version) and a by-hash index
 * are downloaded once per cache and served from disk to every later host, so a test run that
 * installs MariaDB on ten hosts downloads it once. Release/Packages files are revalidated after a
 * minute. The cache lives in the lab's cache folder (one per bridge, so two labs never share one
 * squid cache), survives `lab down --purge`, and is owned by squid's own user.
 */
import { connect } from 'node:net';
import { writeFileSync, readFileSync, mkdirSync, existsSync, chownSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { LabConfig } from './config.js';
import { bridgeAddress, subnetCidr, labPaths } from './config.js';
import { startDetached, isOurProcess, stopProcess } from './process.js';
import { run } from './exec.js';

/** The unprivileged user Debian's squid runs as (it refuses to run as root). */
const SQUID_USER = 'proxy';

function files(c: LabConfig) {
  const dir = labPaths(c).proxyDir;
  // squid drops to its own user: what it writes must be outside the root-only state dir.
  const work = path.join(c.cacheDir, `apt-proxy-${c.bridge}`);
  return {
    dir,
    conf: path.join(dir, 'squid.conf'),
    pid: path.join(dir, 'pid'),
    work,
    cache: path.join(work, 'cache'),
    log: path.join(work, 'cache.log'),
    access: path.join(work, 'access.log'),
    squidPid: path.join(work, 'squid.pid'),
  };
}

export function proxyUrl(c: LabConfig): string {
  return `http://${bridgeAddress(c)}:${c.proxyPort}`;
}

/** squid's own log (start-up errors, such as a port another process holds). */
export function proxyLogPath(c: LabConfig): string {
  return files(c).log;
}

/** squid's access log: one line per request, with TCP_MISS / TCP_HIT. */
export function proxyAccessLog(c: LabConfig): string {
  return files(c).access;
}

export function allowedProxyHosts(c: LabConfig): string[] {
  const mirrorHost = new URL(c.mirror).hostname;
  return [...new Set([mirrorHost, 'deb.debian.org', 'security.debian.org'])];
}

/** Cache size on disk (MB): the whole stack's packages are a few hundred MB. */
export const PROXY_CACHE_MB = 6000;

export function renderProxyConfig(c: LabConfig): string {
  const f = files(c);
  return [
    '# Written by the wpha lab: the package proxy of the lab hosts.',
    `http_port ${bridgeAddress(c)}:${c.proxyPort}`,
    `acl lab src ${subnetCidr(c)}`,
    `acl mirror dstdomain ${allowedProxyHosts(c).join(' ')}`,
    'acl plain_http port 80',
    'acl CONNECT method CONNECT',
    // Only plain HTTP from the lab to the mirror: no CONNECT tunnels, no other port or site.
    'http_access deny CONNECT',
    'http_access deny !plain_http',
    'http_access allow lab mirror',
    'http_access deny all',
    `cache_effective_user ${SQUID_USER}`,
    `cache_dir ufs ${f.cache} ${PROXY_CACHE_MB} 16 256`,
    'maximum_object_size 512 MB',
    'cache_mem 32 MB',
    'maximum_object_size_in_memory 1 MB',
    // Versioned files never change: keep them (even when the mirror says otherwise).
    'refresh_pattern -i \\.(deb|udeb)$ 129600 100% 129600 override-expire override-lastmod ignore-reload ignore-no-store ignore-private',
    'refresh_pattern -i /by-hash/ 129600 100% 129600 override-expire override-lastmod ignore-reload',
    // Indexes change: revalidate after a minute.
    'refresh_pattern -i (Release|Release\\.gpg|Packages|Sources|Translation-[a-z_A-Z]+)(\\.(gz|bz2|xz|lzma|diff/Index))?$ 0 0% 1 refresh-ims',
    'refresh_pattern . 0 20% 4320',
    'range_offset_limit -1',
    'quick_abort_min -1 KB',
    `pid_filename ${f.squidPid}`,
    `cache_log ${f.log}`,
    `access_log ${f.access}`,
    'cache_store_log none',
    `coredump_dir ${f.work}`,
    'via off',
    'forwarded_for delete',
    'shutdown_lifetime 1 seconds',
    'dns_timeout 30 seconds',
    '',
  ].join('\n');
}

export function proxyRunning(c: LabConfig): boolean {
  return isOurProcess(readPid(c), files(c).conf);
}

export async function ensureProxy(c: LabConfig): Promise<'started' | 'running'> {
  const f = files(c);
  if (proxyRunning(c)) return 'running';
  await stopLegacyProxy(c);
  mkdirSync(f.dir, { recursive: true });
  mkdirSync(f.cache, { recursive: true });
  const { uid, gid } = squidIds();
  for (const p of [f.work, f.cache]) chownSync(p, uid, gid);
  writeFileSync(f.conf, renderProxyConfig(c));
  if (existsSync(f.squidPid)) unlinkSync(f.squidPid);
  // Creates the cache's folders the first time (a no-op on a cache that has them).
  await run('squid', ['-z', '-N', '-f', f.conf]);
  const pid = startDetached('squid', ['-N', '-f', f.conf], f.log);
  writeFileSync(f.pid, `${pid}\n`);
  await waitForPort(bridgeAddress(c), c.proxyPort, 15_000, f.log);
  return 'started';
}

export async function stopProxy(c: LabConfig): Promise<boolean> {
  const legacy = await stopLegacyProxy(c);
  const result = await stopProcess(readPid(c), files(c).conf, { timeoutMs: 5000 });
  return legacy || result !== 'not-running';
}

/** Labs started before the switch to squid ran tinyproxy (same pid file): stop it, by pid. */
async function stopLegacyProxy(c: LabConfig): Promise<boolean> {
  const conf = path.join(files(c).dir, 'tinyproxy.conf');
  const result = await stopProcess(readPid(c), conf, { timeoutMs: 5000 });
  return result !== 'not-running';
}

function squidIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${SQUID_USER}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new Error(`The lab package proxy needs the "${SQUID_USER}" user that Debian's squid package creates (apt-get install squid)`);
  return { uid: Number(uid), gid: Number(gid) };
}

function readPid(c: LabConfig): number | undefined {
  const p = files(c).pid;
  if (!existsSync(p)) return undefined;
  const n = Number(readFileSync(p, 'utf8').trim());
  return Number.isInteger(n) ? n : undefined;
}

async function waitForPort(host: string, port: number, timeoutMs: number, log: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`The lab package proxy did not start listening on ${host}:${port} (see ${log})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
