/**
 * Kernel limits the lab needs on the machine. Every host's systemd (and its services) holds
 * inotify instances; the default of 128 per user lets about ten hosts boot, after which units
 * fail ("Directory Watch" paths, sshd never starts). The lab raises these limits when they are
 * lower, and never lowers them again: they are machine-wide, other labs may rely on them, and
 * higher inotify limits are harmless.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export const KERNEL_MINIMUMS: Record<string, number> = {
  'fs/inotify/max_user_instances': 8192,
  'fs/inotify/max_user_watches': 1_048_576,
};

export function ensureKernelLimits(log: (s: string) => void): void {
  for (const [key, min] of Object.entries(KERNEL_MINIMUMS)) {
    const file = `/proc/sys/${key}`;
    const current = Number(readFileSync(file, 'utf8').trim());
    if (current >= min) continue;
    try {
      writeFileSync(file, `${min}\n`);
      log(`raised ${key.replaceAll('/', '.')} from ${current} to ${min} (lab hosts need inotify instances)`);
    } catch (e) {
      log(`warning: cannot raise ${key.replaceAll('/', '.')} from ${current} to ${min} (${(e as Error).message}); more than about ten lab hosts may fail to boot`);
    }
  }
}
