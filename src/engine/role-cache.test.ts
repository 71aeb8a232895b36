import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { buildInventory, removeInventory, roleYaml, type Files } from '../../test/hostile/fixture.js';
import { InputError, formatIssue } from '../errors.js';
import type { Inventory } from '../model.js';
import { shippedInventoriesDir } from '../paths.js';
import type { RoleCache } from '../play/load.js';
import { vaultSnippet } from '../vault/yaml-values.js';
import { encryptEnvelope, KeyCache, newHeader } from '../vault/cipher.js';
import { Passphrases } from '../vault/passphrase.js';
import { loadForRun } from './load.js';
import { pruneUnused, roleCacheStore, runningCodeId } from './role-cache.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeInventory(d);
});
const temp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'wpha-role-cache-'));
  dirs.push(d);
  return d;
};
const inventory = (files: Files = {}) => {
  const d = buildInventory(files, 'wpha-role-cache-inv-');
  dirs.push(d);
  return d;
};

/** A cache store that counts its answers. */
function counted(dir: string, code = 'code-1', racyMs = 0) {
  const store = roleCacheStore(dir, code, { racyMs });
  const n = { hits: 0, misses: 0 };
  const cache: RoleCache = {
    get: (k) => {
      const r = store.get(k);
      if (r) n.hits++;
      else n.misses++;
      return r;
    },
    set: (k, roles, since) => store.set(k, roles, since),
  };
  return { cache, n };
}

const passphrases = () => new Passphrases({ env: {} });
const load = (inv: string, roleCache?: RoleCache, p = passphrases()) => loadForRun({ inventory: inv, cwd: inv, passphrases: p, ...(roleCache ? { roleCache } : {}) });
async function issues(inv: string, roleCache: RoleCache): Promise<string[]> {
  try {
    await load(inv, roleCache);
    return [];
  } catch (e) {
    if (e instanceof InputError) return e.issues.map(formatIssue);
    throw e;
  }
}
/** Files written this very moment are "racily" fresh; loads in these tests start a little later. */
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('role cache', () => {
  it('gives the lab stack the roles of a fresh load, equal in every value and prototype', async () => {
    const cacheDir = temp();
    const lab = path.join(shippedInventoriesDir(), 'lab');
    const fresh = await loadForRun({ inventory: lab });
    const { cache, n } = counted(cacheDir);
    const first = await loadForRun({ inventory: lab, roleCache: cache });
    expect(n).toMatchObject({ hits: 0, misses: 1 });
    const second = await loadForRun({ inventory: lab, roleCache: cache });
    expect(n).toMatchObject({ hits: 1, misses: 1 });
    expect(second.roles.size).toBeGreaterThan(10);
    for (const inv of [first, second]) {
      expect(isDeepStrictEqual(inv.roles, fresh.roles)).toBe(true);
      expect(isDeepStrictEqual(inv.hosts, fresh.hosts)).toBe(true);
      expect([...inv.secretVars].sort()).toEqual([...fresh.secretVars].sort());
    }
    // Objects the loaders make without a prototype come back without one.
    const common = second.roles.get('common')!;
    expect(Object.getPrototypeOf(common.variables)).toBeNull();
  });

  it('loads again what changed: a task, a template, a partial, a shared.yaml', async () => {
    const inv = inventory();
    const { cache, n } = counted(temp());
    await settle();
    await load(inv, cache);
    expect((await load(inv, cache)).roles.get('app')!.tasks[0]!.args).toEqual({ src: 'app.conf.hbs', dest: '/etc/app.conf' });
    expect(n.hits).toBe(1);

    writeFileSync(path.join(inv, 'roles/app/role.yaml'), roleYaml(['- name: config\n  template: { src: app.conf.hbs, dest: /etc/app2.conf }']));
    await settle();
    expect((await load(inv, cache)).roles.get('app')!.tasks[0]!.args).toEqual({ src: 'app.conf.hbs', dest: '/etc/app2.conf' });
    expect(n.hits).toBe(1);

    // A template that no longer compiles is reported, not hidden by what was kept.
    await load(inv, cache);
    expect(n.hits).toBe(2);
    writeFileSync(path.join(inv, 'roles/app/templates/app.conf.hbs'), 'port={{ app_port }\n');
    expect((await issues(inv, cache)).join('\n')).toMatch(/app\.conf\.hbs/);

    // So is a partial the template names, once it is gone.
    writeFileSync(path.join(inv, 'roles/app/templates/app.conf.hbs'), 'port={{> head }}\n');
    mkdirSync(path.join(inv, 'templates/partials'), { recursive: true });
    writeFileSync(path.join(inv, 'templates/partials/head.hbs'), '# head\n');
    await settle();
    expect(await issues(inv, cache)).toEqual([]);
    expect(await issues(inv, cache)).toEqual([]);
    const hits = n.hits;
    expect(hits).toBeGreaterThan(2);
    rmSync(path.join(inv, 'templates/partials/head.hbs'));
    expect((await issues(inv, cache)).join('\n')).toMatch(/head/);
    expect(n.hits).toBe(hits);

    // A shared.yaml put beside the roles: its declarations reach the role that uses them.
    writeFileSync(path.join(inv, 'templates/partials/head.hbs'), '# head\n');
    writeFileSync(path.join(inv, 'roles/shared.yaml'), 'variables:\n  site_mode: { type: string, default: live, description: shared }\n');
    writeFileSync(path.join(inv, 'roles/app/role.yaml'), roleYaml(['- name: config\n  template: { src: app.conf.hbs, dest: /etc/app.conf }'], 'uses: [site_mode]\n'));
    await settle();
    expect((await load(inv, cache)).roles.get('app')!.variables.site_mode?.default).toBe('live');
    await load(inv, cache);
    writeFileSync(path.join(inv, 'roles/shared.yaml'), 'variables:\n  site_mode: { type: string, default: test, description: shared }\n');
    expect((await load(inv, cache)).roles.get('app')!.variables.site_mode?.default).toBe('test');
  });

  it('keeps nothing of roles with an issue, and reports the issue every time', async () => {
    const inv = inventory({ 'roles/app/role.yaml': roleYaml(['- name: config\n  template: { src: missing.hbs, dest: /etc/app.conf }']) });
    const cacheDir = temp();
    const { cache, n } = counted(cacheDir);
    await settle();
    for (let i = 0; i < 2; i++) expect((await issues(inv, cache)).join('\n')).toMatch(/missing\.hbs/);
    expect(n.hits).toBe(0);
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('keeps nothing of a role file holding a vault value', async () => {
    const passphrase = 'role cache test passphrase';
    const secret = encryptEnvelope('s3cret-default', passphrase, newHeader('default', { N: 2 ** 14, r: 8, p: 1 }), new KeyCache());
    const inv = inventory({ 'roles/shared.yaml': `variables:\n  api:\n    type: string\n    secret: true\n    description: a key\n${vaultSnippet(secret, 'default').replace(/^/gm, '    ')}` });
    writeFileSync(path.join(inv, 'roles/app/role.yaml'), roleYaml(['- name: config\n  template: { src: app.conf.hbs, dest: /etc/app.conf }'], 'uses: [api]\n'));
    const cacheDir = temp();
    const { cache } = counted(cacheDir);
    await settle();
    const p = () => new Passphrases({ env: { WPHA_VAULT_PASSWORD: passphrase } });
    let loaded: Inventory;
    try {
      loaded = await load(inv, cache, p());
    } catch (e) {
      throw new Error((e as InputError).issues?.map(formatIssue).join('\n') ?? String(e));
    }
    expect(loaded.roles.get('app')!.variables.api?.default).toBe('s3cret-default');
    await load(inv, cache, p());
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it('trusts no file changed about when the load read it, and no other code', async () => {
    const inv = inventory();
    const cacheDir = temp();
    // Default margin: the fixture was written a moment ago, so nothing is kept yet.
    const racy = counted(cacheDir, 'code-1', 2000);
    await load(inv, racy.cache);
    await load(inv, racy.cache);
    expect(racy.n.hits).toBe(0);
    expect(readdirSync(cacheDir)).toEqual([]);

    const c1 = counted(cacheDir, 'code-1');
    await settle();
    await load(inv, c1.cache);
    await load(inv, c1.cache);
    expect(c1.n.hits).toBe(1);
    const c2 = counted(cacheDir, 'code-2');
    await load(inv, c2.cache);
    expect(c2.n.hits).toBe(0);
  });

  it('sees a role put in an earlier search folder (the inventory over the shipped roles)', async () => {
    const inv = inventory({ 'inventory.yaml': 'hosts:\n  web1: { address: 192.0.2.10, vars: { redis_password: pw } }\ngroups:\n  web: { hosts: [web1], roles: [redis] }\n' });
    const { cache, n } = counted(temp());
    await settle();
    expect((await load(inv, cache)).roles.get('redis')!.dir).toMatch(/\/roles\/redis$/);
    await load(inv, cache);
    expect(n.hits).toBe(1);
    mkdirSync(path.join(inv, 'roles/redis'), { recursive: true });
    writeFileSync(path.join(inv, 'roles/redis/role.yaml'), 'description: mine\nvariables:\n  redis_password: { type: string, description: p }\ntasks:\n  - name: x\n    command: { cmd: ["true"] }\n');
    const mine = (await load(inv, cache)).roles.get('redis')!;
    expect(mine.dir).toBe(path.join(inv, 'roles/redis'));
    expect(n.hits).toBe(1);
  });

  it('keeps a file in use and removes the ones no run used for a month', async () => {
    const cacheDir = temp();
    const inv = inventory();
    const { cache, n } = counted(cacheDir);
    await settle();
    await load(inv, cache);
    const [kept] = readdirSync(cacheDir);
    const file = path.join(cacheDir, kept!);
    const old = Date.now() / 1000 - 40 * 24 * 3600;
    utimesSync(file, old, old);
    await load(inv, cache); // a hit: used again
    expect(n.hits).toBe(1);
    expect(statSync(file).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    for (const stale of ['0123.bin', '4567.bin.99.tmp']) {
      writeFileSync(path.join(cacheDir, stale), 'x');
      utimesSync(path.join(cacheDir, stale), old, old);
    }
    writeFileSync(path.join(cacheDir, 'notes.txt'), 'not ours');
    utimesSync(path.join(cacheDir, 'notes.txt'), old, old);
    pruneUnused(cacheDir, Date.now() - 30 * 24 * 3600_000);
    expect(readdirSync(cacheDir).sort()).toEqual([kept, 'notes.txt'].sort());
  });

  it('knows which code runs only from the bundle', () => {
    const d = temp();
    expect(runningCodeId(path.join(d, 'main.js'))).toBeUndefined();
    writeFileSync(path.join(d, 'wpha.cjs'), 'x');
    expect(runningCodeId(path.join(d, 'wpha.cjs'))).toMatch(/wpha\.cjs:1:\d/);
    expect(runningCodeId(path.join(d, 'gone.cjs'))).toBeUndefined();
    rmSync(path.join(d, 'wpha.cjs'));
  });
});
