/**
 * Facts remembered on the controller between runs, so that the first round trip can already
 * carry every probe (tasks and templates may use facts). When a host's facts change, the engine
 * notices in that same round trip and re-plans.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { userCacheDir } from '../paths.js';
import type { Facts } from '../ops/facts.js';
import type { BootFacts } from './facts-probe.js';

/** A host's remembered facts, and its boot facts (arch, virtualization) valid for one boot id. */
export interface CachedFacts {
  facts: Facts;
  boot?: BootFacts;
}

export function factsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return userCacheDir('facts', env);
}

export function factsStore(cacheDir: string, inventoryDir: string, inventoryName: string, host: string) {
  const dir = path.join(cacheDir, `${inventoryName}-${createHash('sha256').update(inventoryDir).digest('hex').slice(0, 12)}`);
  const file = path.join(dir, `${host}.json`);
  return {
    load(): CachedFacts | undefined {
      try {
        const j = JSON.parse(readFileSync(file, 'utf8')) as Partial<CachedFacts> & Partial<Facts>;
        // Files written before the boot facts hold the facts alone.
        return j.facts ? { facts: j.facts, ...(j.boot ? { boot: j.boot } : {}) } : { facts: j as Facts };
      } catch {
        return undefined;
      }
    },
    save(c: CachedFacts): void {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${file}.tmp`, JSON.stringify(c));
      renameSync(`${file}.tmp`, file);
    },
  };
}
