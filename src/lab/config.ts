/**
 * Where the lab keeps its state and which addresses it uses. Everything the lab creates lives
 * under `stateDir` (pids, addresses, keys, host keys, overlay layers) or `cacheDir` (the base
 * image, built once and shared read-only by every host).
 */
import path from 'node:path';

export interface LabConfig {
  stateDir: string;
  cacheDir: string;
  bridge: string;
  /** /24 network prefix, e.g. "172.31.250". The bridge is .1 */
  subnetPrefix: string;
  proxyPort: number;
  suite: string;
  mirror: string;
}

export function labConfig(env: NodeJS.ProcessEnv = process.env): LabConfig {
  const stateDir = path.resolve(env.WPHA_LAB_DIR ?? '/var/lib/wpha/lab');
  return {
    stateDir,
    cacheDir: path.resolve(env.WPHA_LAB_CACHE ?? '/var/cache/wpha/lab'),
    bridge: env.WPHA_LAB_BRIDGE ?? 'wpha-br0',
    subnetPrefix: env.WPHA_LAB_SUBNET ?? '172.31.250',
    proxyPort: Number(env.WPHA_LAB_PROXY_PORT ?? 3142),
    suite: 'bookworm',
    mirror: env.WPHA_LAB_MIRROR ?? 'http://deb.debian.org/debian',
  };
}

export const bridgeAddress = (c: LabConfig): string => `${c.subnetPrefix}.1`;
export const subnetCidr = (c: LabConfig): string => `${c.subnetPrefix}.0/24`;

/** Files and folders inside the state dir. */
export function labPaths(c: LabConfig) {
  const s = c.stateDir;
  return {
    lock: path.join(s, 'lab.lock'),
    hostsDir: path.join(s, 'hosts'),
    hostDir: (name: string) => path.join(s, 'hosts', name),
    addrsDir: path.join(s, 'addrs'),
    sshDir: path.join(s, 'ssh'),
    sshKey: path.join(s, 'ssh', 'id_ed25519'),
    knownHosts: path.join(s, 'ssh', 'known_hosts'),
    proxyDir: path.join(s, 'proxy'),
    baseImage: path.join(c.cacheDir, `base-${c.suite}`),
  };
}

/** Auto-assigned addresses (hosts not given one by an inventory) come from this range. */
export const AUTO_ADDRESS_FIRST = 100;
export const AUTO_ADDRESS_LAST = 254;
