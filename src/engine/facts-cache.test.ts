import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseFacts } from './facts-probe.js';
import { factsStore } from './facts-cache.js';

const facts = parseFacts('hostname=web1\nos_id=debian\narch=x86_64\ncpus=2\nvirt=kvm\nuser=root\n');
const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'wpha-facts-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('facts cache', () => {
  it('keeps the facts and the boot facts of each host between runs', () => {
    const cache = temp();
    const store = factsStore(cache, '/inv/prod', 'prod', 'web1');
    expect(store.load()).toBeUndefined();
    store.save({ facts, boot: { bootId: 'b1', arch: 'x86_64', virt: 'kvm' } });
    expect(factsStore(cache, '/inv/prod', 'prod', 'web1').load()).toEqual({ facts, boot: { bootId: 'b1', arch: 'x86_64', virt: 'kvm' } });
    expect(factsStore(cache, '/inv/prod', 'prod', 'web2').load()).toBeUndefined();
  });

  it('reads a file written before the boot facts (the facts alone)', () => {
    const cache = temp();
    const store = factsStore(cache, '/inv/prod', 'prod', 'web1');
    store.save({ facts });
    const [folder] = readdirSync(cache);
    writeFileSync(path.join(cache, folder!, 'web1.json'), JSON.stringify(facts));
    expect(store.load()).toEqual({ facts });
  });
});
