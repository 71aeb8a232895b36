/**
 * The galera role's membership script (roles/galera/files/galera-node), run with bash: its pure
 * decision for every state a node and its peers can be in, and its reading of the server's
 * state through stand-ins for systemctl and the mariadb client (outputs as the real ones print).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { projectRoot } from '../paths.js';

const script = path.join(projectRoot(), 'roles/galera/files/galera-node');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', GALERA_NODE_CONF: '/nonexistent' };
const decide = (...args: string[]) => execFileSync('bash', [script, 'decide', ...args], { env, encoding: 'utf8' }).trim();

describe('galera-node decide STATE IN_CLUSTER FIRST STALE PEERS...', () => {
  it('leaves a Synced node alone, restarts it (one at a time) when a .cnf changed after it started', () => {
    expect(decide('synced', '1', '0', '0', 'open', 'open')).toBe('ok');
    expect(decide('synced', '1', '1', '1', 'open', 'open')).toBe('restart');
    expect(decide('joining', '1', '0', '0', 'open', 'open')).toBe('wait-sync');
  });

  it('joins as soon as one peer runs a Galera node, whatever this node was', () => {
    for (const state of ['standalone', 'down']) {
      for (const inCluster of ['0', '1']) for (const first of ['0', '1']) expect(decide(state, inCluster, first, '0', 'refused', 'open')).toBe('join');
      expect(decide(state, '0', '1', '0', 'unknown', 'open')).toBe('join');
    }
  });

  it('bootstraps only on the first host, never in a cluster before, when every peer refuses port 4567', () => {
    expect(decide('standalone', '0', '1', '0', 'refused', 'refused')).toBe('bootstrap');
    expect(decide('down', '0', '1', '0', 'refused', 'refused')).toBe('bootstrap');
    // A peer that does not answer may run a Galera node behind a firewall: wait, then give up.
    expect(decide('standalone', '0', '1', '0', 'refused', 'unknown')).toMatch(/^wait a peer does not answer/);
    // The other hosts wait for the first one.
    expect(decide('standalone', '0', '0', '0', 'refused', 'refused')).toMatch(/^wait no node of the cluster runs yet/);
  });

  it('never bootstraps a node that was a member: that is a recovery from the most advanced node', () => {
    expect(decide('down', '1', '1', '0', 'refused', 'refused')).toMatch(/^fail no node of the cluster runs .* wpha db recover$/);
    expect(decide('standalone', '1', '1', '0', 'refused', 'refused')).toMatch(/^fail /);
  });

  it('refuses a node outside a primary component, or a server that does not answer', () => {
    expect(decide('nonprimary', '1', '0', '0', 'open', 'open')).toMatch(/^fail this node runs outside a primary component/);
    expect(decide('unknown', '1', '0', '0', 'open')).toMatch(/^fail MariaDB runs but does not answer/);
  });
});

describe('galera-node state and check (stand-ins for systemctl and mariadb)', () => {
  /** Runs `galera-node ARG` with fake tools printing `active` and `sql` (as `mariadb -N -B` prints). */
  function run(arg: string, active: string, sql: string | undefined, extra: Record<string, string> = {}) {
    const bin = mkdtempSync(path.join(tmpdir(), 'wpha-galera-node-'));
    writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\n[ "$1" = show ] && echo ${active}\nexit 0\n`);
    writeFileSync(path.join(bin, 'mariadb'), sql === undefined ? '#!/bin/sh\nexit 1\n' : `#!/bin/sh\ncat <<'OUT'\n${sql}\nOUT\n`);
    for (const f of ['systemctl', 'mariadb']) chmodSync(path.join(bin, f), 0o755);
    const r = spawnSync('bash', [script, arg], { env: { ...env, PATH: `${bin}:${env.PATH}`, GALERA_CONF_GLOB: '/nonexistent/*.cnf', ...extra }, encoding: 'utf8' });
    return { rc: r.status, out: (r.stdout + r.stderr).trim() };
  }
  const status = (wsrep: string, cluster: string, local: string) => `wsrep_on\t${wsrep}\nUptime\t1234\nwsrep_cluster_status\t${cluster}\nwsrep_local_state_comment\t${local}`;

  it('reads the state the way the server reports it', () => {
    expect(run('state', 'active', status('ON', 'Primary', 'Synced')).out).toBe('synced');
    expect(run('state', 'active', status('ON', 'Primary', 'Donor/Desynced')).out).toBe('synced');
    expect(run('state', 'active', status('ON', 'Primary', 'Joined')).out).toBe('joining');
    expect(run('state', 'active', status('ON', 'non-Primary', 'Initialized')).out).toBe('nonprimary');
    expect(run('state', 'active', status('OFF', 'Disconnected', 'Initialized')).out).toBe('standalone');
    expect(run('state', 'active', undefined).out).toBe('unknown');
    expect(run('state', 'activating', undefined).out).toBe('joining');
    expect(run('state', 'inactive', undefined).out).toBe('down');
    expect(run('state', 'failed', undefined).out).toBe('down');
  });

  it('check passes only for a Synced node whose settings are not newer than its start', () => {
    expect(run('check', 'active', status('ON', 'Primary', 'Synced'))).toEqual({ rc: 0, out: '' });
    expect(run('check', 'active', status('OFF', 'Disconnected', 'Initialized'))).toEqual({ rc: 1, out: 'node state: standalone' });
    expect(run('check', 'inactive', undefined)).toEqual({ rc: 1, out: 'node state: down' });
    // A .cnf written after the server started (Uptime 1234 s ago): the node runs old settings.
    const dir = mkdtempSync(path.join(tmpdir(), 'wpha-galera-cnf-'));
    writeFileSync(path.join(dir, '70-galera.cnf'), '[galera]\n');
    expect(run('check', 'active', status('ON', 'Primary', 'Synced'), { GALERA_CONF_GLOB: `${dir}/*.cnf` })).toEqual({ rc: 1, out: 'settings changed after MariaDB started' });
  });

  it("releases the restart lock through a failing moment, and names the server's error when it keeps failing", () => {
    /** A client whose first `fails` calls print an error, and later ones succeed; counts its calls. */
    const flaky = (fails: number, extra: Record<string, string> = {}) => {
      const bin = mkdtempSync(path.join(tmpdir(), 'wpha-galera-release-'));
      const calls = path.join(bin, 'calls');
      writeFileSync(
        path.join(bin, 'mariadb'),
        `#!/bin/sh\necho x >> ${calls}\nif [ "$(wc -l < ${calls})" -le ${fails} ]; then echo 'ERROR 1213 (40001): Deadlock found when trying to get lock' >&2; exit 1; fi\nexit 0\n`,
      );
      chmodSync(path.join(bin, 'mariadb'), 0o755);
      const r = spawnSync('bash', [script, 'release-restart-lock'], { env: { ...env, PATH: `${bin}:${env.PATH}`, GALERA_SELF: '10.0.0.1', ...extra }, encoding: 'utf8' });
      return { rc: r.status, out: (r.stdout + r.stderr).trim(), calls: execFileSync('wc', ['-l', calls], { encoding: 'utf8' }).trim().split(' ')[0] };
    };
    expect(flaky(1)).toEqual({
      rc: 0,
      out: 'releasing the restart lock failed (ERROR 1213 (40001): Deadlock found when trying to get lock); trying again\nrestart lock released',
      calls: '2',
    });
    expect(flaky(5, { GALERA_RELEASE_WAIT: '0' })).toEqual({ rc: 1, out: 'Cannot release the restart lock: ERROR 1213 (40001): Deadlock found when trying to get lock', calls: '1' });
  });

  it('refuses a node address that is not one', () => {
    expect(run('check', 'active', status('ON', 'Primary', 'Synced'), { GALERA_SELF: "10.0.0.1'; DROP" })).toMatchObject({ rc: 1, out: expect.stringMatching(/^GALERA_SELF must be an address/) });
  });
});
