/**
 * Whole-cluster recovery of Galera, decided from every data node's report: which node holds the
 * most advanced position and becomes the new primary component, and in which order the others
 * start. Pure (no I/O): `wpha db recover` gathers the reports, prints this plan, then runs it.
 *
 * Refuses, rather than guess, when a node's state is unknown (unreachable, or a server that does
 * not answer), when nodes hold positions of different clusters, or when no node holds one.
 */
import { GALERA_NODE_SCRIPT, nodeCondition, nodePosition, type GaleraNodeReport, type NodeCondition } from './galera-report.js';

export interface NodeInput {
  host: string;
  /** undefined: the host could not be asked (the reason is in `error`). */
  report?: GaleraNodeReport;
  error?: string;
}

export interface RecoveryStep {
  host: string;
  /** What the step does, for the plan printed before anything runs. */
  what: string;
  /** Shell run on the host as root. */
  command: string;
}

export interface NodeSummary {
  host: string;
  condition: NodeCondition | 'unreachable';
  position?: { uuid: string; seqno: number; source: string };
  safeToBootstrap?: boolean;
}

export type RecoveryPlan = { kind: 'refuse'; nodes: NodeSummary[]; reason: string } | { kind: 'plan'; nodes: NodeSummary[]; bootstrap?: string; note: string; steps: RecoveryStep[] };

const WAIT = `${GALERA_NODE_SCRIPT} wait-synced`;

export function planRecovery(inputs: readonly NodeInput[], arbitrators: readonly string[] = []): RecoveryPlan {
  const nodes: NodeSummary[] = inputs.map((n) => {
    if (!n.report) return { host: n.host, condition: 'unreachable' };
    const pos = nodePosition(n.report);
    return { host: n.host, condition: nodeCondition(n.report), ...(pos ? { position: pos } : {}), ...(n.report.grastate ? { safeToBootstrap: n.report.grastate.safeToBootstrap } : {}) };
  });
  const refuse = (reason: string): RecoveryPlan => ({ kind: 'refuse', nodes, reason });

  const unreachable = inputs.filter((n) => !n.report);
  if (unreachable.length) {
    return refuse(
      `Cannot read the state of ${unreachable.map((n) => `"${n.host}" (${n.error ?? 'unreachable'})`).join(', ')}: the position of every node is needed to pick the most advanced one. Bring it back, or take it out of the inventory's Galera group if it is gone for good`,
    );
  }
  const unknown = nodes.filter((n) => n.condition === 'unknown' || n.condition === 'starting');
  if (unknown.length)
    return refuse(`${unknown.map((n) => `"${n.host}"`).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} starting or not answering: wait until it settles (or stop it), then run the recovery again`);

  const startOthers = (except: string): RecoveryStep[] =>
    nodes
      .filter((n) => n.host !== except && (n.condition === 'stopped' || n.condition === 'standalone'))
      .map((n) => ({
        host: n.host,
        what: `${n.condition === 'standalone' ? 'restart' : 'start'} MariaDB: it joins the primary component (IST, or SST when its position is too old), wait until Synced`,
        command: `systemctl ${n.condition === 'standalone' ? 'restart' : 'start'} mariadb && ${WAIT}`,
      }));
  const arbSteps = (): RecoveryStep[] => arbitrators.map((h) => ({ host: h, what: 'restart the arbitrator (garbd) so it joins the new primary component', command: 'systemctl restart garb' }));

  const primary = nodes.find((n) => n.condition === 'primary');
  if (primary) {
    const steps = startOthers(primary.host);
    return { kind: 'plan', nodes, note: `"${primary.host}" is in a primary component: nothing to bootstrap${steps.length ? '; the stopped nodes start and join it' : ''}`, steps };
  }

  const withPos = nodes.filter((n) => n.position);
  const uuids = [...new Set(withPos.map((n) => n.position!.uuid))];
  if (uuids.length > 1) return refuse(`The nodes hold positions of different clusters (${withPos.map((n) => `"${n.host}" ${n.position!.uuid}`).join(', ')}): decide by hand which data to keep`);
  if (!withPos.length) return refuse('No node holds a cluster position (never bootstrapped, or emptied): a new cluster is bootstrapped by `wpha apply`, not recovered');

  // The most advanced: the highest seqno; on a tie, a running node (nothing to restart), then the
  // one Galera marked safe to bootstrap, then inventory order.
  const rank = (n: NodeSummary) => [n.position!.seqno, n.condition === 'non-primary' ? 1 : 0, n.safeToBootstrap ? 1 : 0];
  const best = [...withPos].sort((a, b) => {
    const [x, y] = [rank(a), rank(b)];
    return y[0]! - x[0]! || y[1]! - x[1]! || y[2]! - x[2]!;
  })[0]!;
  const steps: RecoveryStep[] = [];
  if (best.condition === 'non-primary') {
    steps.push({
      host: best.host,
      what: `make its running non-primary component primary (pc.bootstrap=YES) at seqno ${best.position!.seqno}, wait until Synced`,
      command: `mariadb -e "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'" && ${WAIT}`,
    });
  } else {
    if (!best.safeToBootstrap) {
      steps.push({
        host: best.host,
        what: 'set safe_to_bootstrap: 1 in /var/lib/mysql/grastate.dat (this node holds the most advanced position)',
        command: "sed -i 's/^safe_to_bootstrap: 0$/safe_to_bootstrap: 1/' /var/lib/mysql/grastate.dat && grep -qx 'safe_to_bootstrap: 1' /var/lib/mysql/grastate.dat",
      });
    }
    steps.push({ host: best.host, what: `bootstrap a new primary component from seqno ${best.position!.seqno} (galera_new_cluster), wait until Synced`, command: `galera_new_cluster && ${WAIT}` });
  }
  // Running non-primary nodes join the new primary component by themselves.
  const waitRunning = nodes
    .filter((n) => n.host !== best.host && n.condition === 'non-primary')
    .map((n) => ({ host: n.host, what: 'wait until it rejoins the primary component and is Synced', command: WAIT }));
  steps.push(...waitRunning, ...startOthers(best.host), ...arbSteps());
  const others = withPos.filter((n) => n !== best).map((n) => `"${n.host}" ${n.position!.seqno}`);
  return {
    kind: 'plan',
    nodes,
    bootstrap: best.host,
    note: `"${best.host}" holds the most advanced position (seqno ${best.position!.seqno}, from ${best.position!.source})${others.length ? `; others: ${others.join(', ')}` : ''}`,
    steps,
  };
}
