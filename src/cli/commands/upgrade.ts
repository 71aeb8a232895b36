/** `wpha upgrade`: canary rolling upgrades that replace a group's machines (or upgrade hosts in place). */
import type { Command } from 'commander';
import { secretsRedactor } from '../../engine/load.js';
import { ExitCode } from '../../errors.js';
import { parseBatchSpec } from '../../rollout/batch-size.js';
import { parseAmount, parseCheckpoints } from '../../upgrade/plan.js';
import { UpgradeReporter } from '../../upgrade/report.js';
import { upgrade, type UpgradeRequest } from '../../upgrade/upgrade.js';
import { addInventoryOptions, loadInventoryFor, type InventoryFlags } from '../load.js';

interface Flags extends InventoryFlags {
  group?: string;
  image?: string;
  batch?: string;
  maxSurge?: string;
  minHealthy?: string;
  checkpoints?: string;
  warmup?: string;
  soak?: string;
  errorBudget?: string;
  drainTimeout?: string;
  gateTimeout?: string;
  bake?: string;
  autoRollback?: boolean;
  alarmCommand: string[];
  alarmUrl: string[];
  inPlace?: boolean;
  continue?: boolean;
  abort?: boolean;
  rollback?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Command-line values as the upgrade takes them; bad ones are refused here, before anything is loaded. */
export function requestOf(f: Flags): UpgradeRequest {
  return {
    ...(f.group ? { group: f.group } : {}),
    ...(f.image ? { image: f.image } : {}),
    ...(f.batch !== undefined ? { batch: parseBatchSpec(f.batch) } : {}),
    ...(f.maxSurge !== undefined ? { maxSurge: parseAmount(f.maxSurge, '--max-surge') } : {}),
    ...(f.minHealthy !== undefined ? { minHealthy: parseAmount(f.minHealthy, '--min-healthy') } : {}),
    ...(f.checkpoints !== undefined ? { checkpoints: parseCheckpoints(f.checkpoints) } : {}),
    ...(f.warmup ? { warmup: f.warmup } : {}),
    ...(f.soak ? { soak: f.soak } : {}),
    ...(f.errorBudget ? { errorBudget: f.errorBudget } : {}),
    ...(f.drainTimeout ? { drainTimeout: f.drainTimeout } : {}),
    ...(f.gateTimeout ? { gateTimeout: f.gateTimeout } : {}),
    ...(f.bake ? { bake: f.bake } : {}),
    ...(f.autoRollback ? { autoRollback: true } : {}),
    ...(f.alarmCommand.length ? { alarmCommands: f.alarmCommand } : {}),
    ...(f.alarmUrl.length ? { alarmUrls: f.alarmUrl } : {}),
    ...(f.inPlace ? { inPlace: true } : {}),
    ...(f.continue ? { continue: true } : {}),
    ...(f.abort ? { abort: true } : {}),
    ...(f.rollback ? { rollback: true } : {}),
    ...(f.dryRun ? { dryRun: true } : {}),
  };
}

export function register(program: Command): void {
  addInventoryOptions(program.command('upgrade'))
    .description('Canary rolling upgrade of a group: new machines from a new image, gated by health checks, then old ones drained and destroyed, in batches')
    .option('--group <group>', 'the group to upgrade')
    .option('--image <generation>', 'image generation to move to (wpha image list)')
    .option('--batch <sizes>', 'hosts per batch: a count, a percentage, or a list "1,25%,100%" (default 1)')
    .option('--max-surge <n|N%>', 'new hosts a batch makes before old ones leave (default: the whole batch)')
    .option('--min-healthy <n|N%>', 'hosts serving at every moment (default 100%)')
    .option('--checkpoints <percents>', 'pause after these shares of the hosts, e.g. "25%,50%" (then --continue)')
    .option('--warmup <duration>', 'after a new host serves, errors are not counted for this long (default 0)')
    .option('--soak <duration>', "how long a new host's HAProxy error counters are watched (default 10s)")
    .option('--error-budget <n|N%>', 'errors a new host may answer while soaking (default 0)')
    .option('--drain-timeout <duration>', 'how long a draining host may keep connections (default 60s)')
    .option('--gate-timeout <duration>', 'how long a new host may take to pass its checks (default 60s)')
    .option('--bake <duration>', 'after the last batch, watch the alarms this long (default 0)')
    .option('--alarm-command <cmd>', 'an alarm: a command run here whose failure stops the roll (repeatable)', collect, [])
    .option('--alarm-url <url>', 'an alarm: a URL that must answer 2xx (repeatable)', collect, [])
    .option('--auto-rollback', 'on a failure, replace the hosts this roll made with new ones from the image they replaced')
    .option('--in-place', 'upgrade the hosts themselves (apt-get full-upgrade), one at a time, instead of replacing them')
    .option('--continue', 'go on with the upgrade under way (after a checkpoint, a failure or a kill)')
    .option('--rollback', 'replace the hosts the upgrade under way made with new ones from the image they replaced')
    .option('--abort', 'bring the cluster to a consistent state and forget the upgrade under way')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--json', 'one JSON event per line on stdout')
    .addHelpText(
      'after',
      `
The group needs "machines:" (the provider and image of its hosts) and "upgrade: { checks: ... }"
(the gate a new host passes before it serves) in inventory.yaml. See docs/upgrade.md.

Examples:
  wpha image build --from base                                 # a new generation, e.g. g4
  wpha upgrade -i prod --group web --image g4 --dry-run
  wpha upgrade -i prod --group web --image g4                  # one host at a time
  wpha upgrade -i prod --group web --image g4 --batch 25% --checkpoints 50% --auto-rollback
  wpha upgrade -i prod --continue                              # after the checkpoint
  wpha upgrade -i prod --group db --in-place                   # apt-get full-upgrade, one at a time
Exit status: 0 done (or paused at a checkpoint), 1 the roll stopped (the cluster is consistent), 64 bad input.`,
    )
    .action(async (f: Flags) => {
      const req = requestOf(f);
      const { inv, reload: load } = await loadInventoryFor(f);
      const report = new UpgradeReporter(secretsRedactor(inv), { line: (s) => process.stderr.write(`${s}\n`), ...(f.json ? { json: (s: string) => process.stdout.write(`${s}\n`) } : {}) });
      try {
        const r = await upgrade(load, req, report);
        if (r.plan !== undefined) process.stdout.write(r.plan);
        report.emit({ type: 'upgrade-done', ok: true, ...(r.paused !== undefined ? { paused: r.paused } : {}), ms: report.elapsedMs });
        if (r.done) report.say('Upgrade done');
        process.exitCode = ExitCode.ok;
      } catch (e) {
        report.emit({ type: 'upgrade-done', ok: false, error: (e as Error).message, ms: report.elapsedMs });
        throw e;
      }
    });
}
