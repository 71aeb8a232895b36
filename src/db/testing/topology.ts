/** The lab group the fixtures were recorded on (lab1..lab3), as the runbooks' tests see it. */
import type { NodeAnswer, NodeView } from '../node-view.js';
import { NO_FALLBACK_MS, type ReplicationTopology } from '../topology.js';
import { ADDR } from './views.js';

export function labTopology(over: Partial<ReplicationTopology> = {}, regions: Record<string, string> = {}): ReplicationTopology {
  return {
    group: 'db',
    members: ['lab1', 'lab2', 'lab3'].map((name) => ({ name, address: ADDR[name]!, region: regions[name] ?? '' })),
    designated: 'lab1',
    login: { user: 'wpha_repl', password: 'pw', tlsDir: '/etc/mysql/wpha-tls', connectRetry: 2 },
    semiSyncTimeoutMs: NO_FALLBACK_MS,
    proxies: [],
    ...over,
  };
}

export function answersOf(entries: Record<string, NodeView | string>): Map<string, NodeAnswer> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, typeof v === 'string' ? { ok: false, error: v } : { ok: true, view: v }]));
}
