/**
 * Bad replication inventories are refused while they load (what `wpha apply`, `plan`, `db ...`
 * and `inventory check` do first, before any connection), each problem at the file:line where
 * the inventory sets it: a group of one host, two starting primaries, no replication password,
 * a vault password without its passphrase. Fixtures: src/db/fixtures/inventories/.
 */
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { loadForRun } from '../engine/load.js';
import { InputError, formatIssue } from '../errors.js';
import { projectRoot } from '../paths.js';
import { Passphrases } from '../vault/passphrase.js';
import { topologiesOf } from '../cli/commands/db/context.js';

const dir = (name: string) => path.join('src/db/fixtures/inventories', name);

async function issues(name: string): Promise<string[]> {
  try {
    await loadForRun({ inventory: dir(name), cwd: projectRoot(), passphrases: new Passphrases({ env: {} }) });
  } catch (e) {
    if (e instanceof InputError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}

describe('replication inventories checked at load', () => {
  it('accepts a group of three with a password and a CA', async () => {
    const inv = await loadForRun({ inventory: dir('ok'), cwd: projectRoot(), passphrases: new Passphrases({ env: {} }) });
    expect(topologiesOf(inv).map((t) => [t.group, t.members.map((m) => m.name), t.designated])).toEqual([['db', ['db1', 'db2', 'db3'], 'db1']]);
  });

  it('refuses a replication group of one host, where the group is named', async () => {
    expect(await issues('one-host')).toEqual([
      `${dir('one-host')}/group_vars/db.yaml:1:1: mariadb_replication_group: A replication group needs two hosts or more (a primary and at least one replica) (role "mariadb")`,
    ]);
  });

  it('refuses two starting primaries, where the second one is named', async () => {
    expect(await issues('two-primaries')).toEqual([
      `${dir('two-primaries')}/host_vars/db3.yaml:2:1: mariadb_replication_primary: Two primaries in one replication group: this host names another starting primary than the group's first host does (set mariadb_replication_primary once, in the group's vars) (role "mariadb")`,
    ]);
  });

  it('refuses a group without a replication password, for each of its hosts', async () => {
    const lines = await issues('missing-password');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      `${dir('missing-password')}/group_vars/db.yaml:1:1: mariadb_replication_group: Missing variable "mariadb_replication_password" of role "mariadb" for host "db1": required when mariadb_replication_group != '' (Its password (keep it in the vault). Required with mariadb_replication_group.)`,
    );
  });

  it('refuses a vault password it cannot decrypt, at the value, never printing it', async () => {
    const lines = await issues('vault-no-passphrase');
    expect(lines[0]).toBe(
      `${dir('vault-no-passphrase')}/group_vars/db.yaml:4:38: mariadb_replication_password: Cannot decrypt a "!vault" value: no passphrase for vault label "prod": set WPHA_VAULT_PASSWORD_PROD or WPHA_VAULT_PASSWORD, pass --vault-password-file prod@FILE, or run on a terminal to be asked`,
    );
    expect(lines.join('\n')).not.toContain('1zoTlAUG');
  });
});
