/**
 * `wpha db recover`: whole-cluster recovery of a Galera cluster with no primary component. Asks
 * every data node for its state and position (galera-node report), prints them and the plan
 * (src/db/galera-recover.ts decides), then runs the plan one step at a time, each printed, and
 * stops at the first failed step. `--dry-run` prints and changes nothing.
 */
import type { Command } from 'commander';
import { secretsRedactor } from '../../../engine/load.js';
import { ExitCode, UserError } from '../../../errors.js';
import { galeraTopology } from './galera-topology.js';
import { GALERA_NODE_SCRIPT, parseGaleraReport } from '../../../db/galera-report.js';
import { planRecovery, type NodeInput, type NodeSummary } from '../../../db/galera-recover.js';
import { shellOnHosts } from './remote-shell.js';
import { loadInventoryFor } from '../../load.js';
import { addHostOptions, type HostCommandOptions } from '../../options.js';
import { promptHidden } from '../../prompt.js';

interface RecoverOptions extends HostCommandOptions {
  dryRun?: boolean;
  group?: string;
}

export function registerRecover(db: Command): void {
  addHostOptions(db.command('recover'))
    .description('Recover a Galera cluster with no primary component: bootstrap the most advanced node, then start the others')
    .option('--dry-run', "print every node's state and position and the plan; change nothing")
    .option('-g, --group <name>', 'the Galera group, when the inventory has several clusters')
    .addHelpText(
      'after',
      `
Every data node is asked for its state and last committed position: from the running server,
from grastate.dat (written at a clean stop) or, for a node that crashed, from InnoDB
(galera_recovery runs mariadbd --wsrep-recover: crash recovery, as every start does first;
this also happens with --dry-run). The node with the highest seqno gets safe_to_bootstrap: 1
and bootstraps a new primary component; the others start one at a time and join it (IST).
Nothing runs when a node cannot be asked, or when nodes hold positions of different clusters.

Examples:
  wpha db recover -i prod --dry-run
  wpha db recover -i prod
  wpha db recover -i prod --group galera_eu`,
    )
    .action(async (flags: RecoverOptions) => {
      if (flags.limit) throw new UserError('wpha db recover asks every node of the cluster: --limit does not apply');
      const { inv } = await loadInventoryFor(flags);
      const redactor = secretsRedactor(inv);
      const print = (s: string) => process.stdout.write(redactor.redact(`${s}\n`));
      const topo = galeraTopology(inv, flags.group);
      const becomePassword = flags.askBecomePass ? await promptHidden('sudo password: ') : undefined;
      const shellOpts = { acceptNewHostKeys: Boolean(flags.acceptNewHostKeys), ...(becomePassword ? { becomePassword } : {}) };

      print(`Galera cluster "${topo.clusterName}" (group ${topo.group}): ${topo.nodes.length} data nodes${topo.arbitrators.length ? `, arbitrators ${topo.arbitrators.join(', ')}` : ''}`);
      const reports = await shellOnHosts(inv, topo.nodes, `${GALERA_NODE_SCRIPT} report`, shellOpts);
      const inputs: NodeInput[] = topo.nodes.map((host) => {
        const r = reports.get(host);
        if (!r || 'error' in r) return { host, error: r?.error ?? 'no answer' };
        if (r.rc !== 0) return { host, error: r.rc === 127 ? `${GALERA_NODE_SCRIPT} is missing (apply the galera role first)` : `report failed (exit ${r.rc}): ${r.stderr.trim().split('\n').pop()}` };
        return { host, report: parseGaleraReport(r.stdout) };
      });
      const plan = planRecovery(inputs, topo.arbitrators);
      for (const n of plan.nodes) print(`  ${nodeLine(n, width(plan.nodes))}`);
      if (plan.kind === 'refuse') {
        print(`Refused: ${plan.reason}.`);
        process.exitCode = ExitCode.failed;
        return;
      }
      print(plan.note);
      if (!plan.steps.length) {
        print('Nothing to do.');
        return;
      }
      print(flags.dryRun ? 'Plan (dry run: nothing is changed):' : 'Plan:');
      plan.steps.forEach((s, i) => print(`  ${i + 1}. ${s.host}: ${s.what}`));
      if (flags.dryRun) return;
      for (const [i, s] of plan.steps.entries()) {
        const t0 = Date.now();
        print(`[${i + 1}/${plan.steps.length}] ${s.host}: ${s.what} ...`);
        const r = (await shellOnHosts(inv, [s.host], s.command, shellOpts)).get(s.host)!;
        const secs = ((Date.now() - t0) / 1000).toFixed(1);
        if ('error' in r || r.rc !== 0) {
          const why = 'error' in r ? r.error : `exit ${r.rc}: ${(r.stderr.trim() || r.stdout.trim()).split('\n').slice(-8).join('\n')}`;
          print(`[${i + 1}/${plan.steps.length}] ${s.host}: failed after ${secs} s: ${why}`);
          print('Stopped: the steps after this one did not run. Run `wpha db recover` again once the cause is fixed (it starts from what the nodes report then).');
          process.exitCode = ExitCode.failed;
          return;
        }
        print(`[${i + 1}/${plan.steps.length}] ${s.host}: done in ${secs} s`);
      }
      print('Recovered: every data node is Synced in one primary component.');
    });
}

const width = (nodes: NodeSummary[]) => Math.max(...nodes.map((n) => n.host.length));

function nodeLine(n: NodeSummary, w: number): string {
  const pos = n.position ? `seqno ${n.position.seqno} (${n.position.source})` : 'no position';
  const safe = n.safeToBootstrap === undefined ? '' : `  safe_to_bootstrap ${n.safeToBootstrap ? 1 : 0}`;
  return `${n.host.padEnd(w)}  ${n.condition.padEnd(11)}  ${pos}${safe}`;
}
