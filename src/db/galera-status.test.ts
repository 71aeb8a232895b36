/** Galera fields and health of `wpha db status`, from reports recorded on real nodes (fixtures/galera/). */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseGaleraReport } from './galera-report.js';
import { galeraHealth, galeraNodeStatus } from './galera-status.js';
import { formatGaleraSection } from '../cli/commands/db/status.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'galera');
const nodes = (scenario: string) => ['db1', 'db2', 'db3'].map((h) => galeraNodeStatus(h, parseGaleraReport(readFileSync(path.join(dir, scenario, `${h}.txt`), 'utf8'))));

describe('galera status', () => {
  it('a running cluster: every node Synced, ready, size 3: healthy', () => {
    const n = nodes('synced');
    expect(n[0]).toEqual({ host: 'db1', state: 'Synced', clusterStatus: 'Primary', clusterSize: 3, ready: true, flowControlPaused: 1.80564e-5, recvQueue: 0, lastCommitted: 1759 });
    expect(galeraHealth(n, 3)).toEqual({ health: 'healthy', reasons: [] });
    // An arbitrator expected but missing from the cluster.
    expect(galeraHealth(n, 4)).toEqual({ health: 'degraded', reasons: ['cluster size 3 of 4'] });
  });

  it('one node stopped: degraded, naming it and the size', () => {
    const n = nodes('one-stopped');
    expect(n[2]).toEqual({ host: 'db3', state: 'stopped (inactive)', lastCommitted: expect.any(Number) });
    expect(galeraHealth(n, 3)).toEqual({ health: 'degraded', reasons: ['db3: stopped (inactive)', 'cluster size 2 of 3'] });
  });

  it('one survivor outside a primary component, or everything stopped: down', () => {
    expect(galeraHealth(nodes('one-survivor'), 3).health).toBe('down');
    expect(nodes('one-survivor')[0]).toMatchObject({ state: 'Initialized', clusterStatus: 'non-Primary', ready: false });
    expect(galeraHealth(nodes('all-down'), 3)).toEqual({ health: 'down', reasons: ['no node is ready in a primary component (see wpha db recover)'] });
  });

  it('flow control above 20% of the time is degraded; an unreachable node is named', () => {
    const n = nodes('synced');
    n[1] = { ...n[1]!, flowControlPaused: 0.35 };
    n[2] = galeraNodeStatus('db3', undefined, 'Cannot connect: timed out');
    expect(galeraHealth(n, 3)).toEqual({ health: 'degraded', reasons: ['db3: Cannot connect: timed out', 'db2: flow control paused replication 35% of the time'] });
  });

  it('prints one line per node', () => {
    const text = formatGaleraSection({ cluster: 'wpha', group: 'galera', health: 'degraded', reasons: ['db3: stopped (inactive)'], nodes: nodes('one-stopped') });
    expect(text.split('\n')[0]).toBe('Galera cluster "wpha" (group galera): degraded');
    expect(text).toMatch(/^ {2}HOST +STATE +CLUSTER +SIZE +READY +FLOW-CONTROL +RECV-QUEUE +SEQNO$/m);
    expect(text).toMatch(/^ {2}db1 +Synced +Primary +2 +yes +0\.0% +0 +\d+$/m);
    expect(text).toMatch(/^ {2}db3 +stopped \(inactive\) +- +- +- +- +- +\d+$/m);
  });
});
