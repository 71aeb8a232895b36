/** The server views, from probe outputs recorded on lab hosts (src/db/fixtures). */
import { describe, expect, it } from 'vitest';
import { formatGtidPos } from './gtid.js';
import { parseView, viewSql } from './node-view.js';
import { recorded } from './testing/views.js';

describe('parseViews', () => {
  it('reads the primary, the replicas and itself from a probe run on a replica', () => {
    const answers = recorded('probe-healthy-from-lab2.txt');
    expect([...answers.keys()]).toEqual(['lab2', 'lab1', 'lab3']);
    const primary = answers.get('lab1')!;
    const self = answers.get('lab2')!;
    if (!primary.ok || !self.ok) throw new Error('expected answers');
    expect(primary.view).toMatchObject({
      readOnly: false,
      serverId: 2887765092,
      semiSync: { masterEnabled: true, masterStatus: true, masterClients: 2, masterTimeoutMs: 31536000000, waitPoint: 'AFTER_SYNC' },
    });
    expect(primary.view.replica).toBeUndefined();
    expect(formatGtidPos(primary.view.gtidBinlogPos)).toBe('0-2887765092-38');
    expect(self.view.readOnly).toBe(true);
    expect(self.view.semiSync).toMatchObject({ masterEnabled: false, slaveEnabled: true, slaveStatus: true });
    expect(self.view.replica).toMatchObject({
      masterHost: '172.31.204.100',
      masterUser: 'wpha_repl',
      ioRunning: 'Yes',
      sqlRunning: 'Yes',
      secondsBehind: 0,
      usingGtid: 'Slave_Pos',
      sslVerify: true,
      lastIoErrno: 0,
    });
    expect(formatGtidPos(self.view.replica!.gtidIoPos)).toBe('0-2887765092-38');
    // Asked through its socket as root, it also says whether the replication user exists.
    expect(self.view.raw.repl_user).toBe('3');
    expect(primary.view.raw.repl_user).toBeUndefined();
  });

  it('says why a peer did not answer: stopped, or refusing the replication user', () => {
    expect(recorded('probe-lab3-stopped-from-lab2.txt').get('lab3')).toEqual({ ok: false, error: "ERROR 2002 (HY000): Can't connect to server on '172.31.204.102' (115)" });
    const refused = recorded('probe-user-refused-from-lab2.txt');
    expect(refused.get('lab1')).toEqual({ ok: false, error: "ERROR 1045 (28000): Access denied for user 'wpha_repl'@'172.31.204.101' (using password: YES)" });
    expect(refused.get('lab2')?.ok).toBe(true);
  });

  it('refuses text that is not a view', () => {
    expect(() => parseView('ERROR 1227 (42000): Access denied')).toThrow('no read_only');
  });

  it('asks one query: variables, status and the replica status', () => {
    const sql = viewSql({ x: 'SELECT 1' });
    expect(sql).toMatch(/^SELECT @@server_id AS server_id, @@read_only AS read_only, /);
    expect(sql).toContain("(SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='RPL_SEMI_SYNC_MASTER_STATUS') AS rpl_semi_sync_master_status");
    expect(sql).toContain('(SELECT 1) AS x; SHOW SLAVE STATUS');
  });
});
