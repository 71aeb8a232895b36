/**
 * `wpha db promote --to HOST`: the planned switch-over. Fence the primary (read_only), wait until
 * the target applied everything the primary committed, promote the target, make the old primary
 * and the other replicas replicate from it, wait until the SQL proxies send to it.
 */
import type { Command } from 'commander';
import { UserError } from '../../../errors.js';
import { parseGtidPos } from '../../../db/gtid.js';
import { FENCE_SQL, gtidWaitSql, promoteSql, sqlHeredoc } from '../../../db/replication-sql.js';
import { planSwitchover, RunbookRefusal, switchoverSteps } from '../../../db/switchover.js';
import { positiveInt } from '../../options.js';
import { addDbOptions, openDb, type DbFlags } from './context.js';
import { Runbook } from './runbook.js';

interface PromoteFlags extends DbFlags {
  to: string;
  dryRun?: boolean;
  waitSeconds: number;
}

export async function promote(flags: PromoteFlags): Promise<number> {
  const ctx = await openDb(flags);
  try {
    const answers = await ctx.session.views(ctx.topo);
    let plan;
    try {
      plan = planSwitchover(ctx.topo, answers, flags.to);
    } catch (e) {
      if (e instanceof RunbookRefusal) throw new UserError(`Cannot promote "${flags.to}": ${e.message}. Nothing was changed`);
      throw e;
    }
    const steps = switchoverSteps(plan);
    ctx.say(`Switch-over of group "${ctx.topo.group}": ${plan.primary.name} -> ${plan.target.name}${flags.dryRun ? ' (dry run: nothing is changed)' : ''}`);
    for (const w of plan.warnings) ctx.say(`warning: ${w}`);
    if (flags.dryRun) {
      steps.forEach((s, i) => ctx.say(`[${i + 1}/${steps.length}] ${s}`));
      return 0;
    }
    const rb = new Runbook(ctx, steps.length);
    await rb.step(plan.primary.name, 'fence the primary: read_only = ON', sqlHeredoc(FENCE_SQL));
    const final = await rb.step(plan.primary.name, 'read its final GTID position', "mariadb --batch -N -e 'SELECT @@gtid_binlog_pos'");
    const waited = await rb.step(
      plan.target.name,
      `wait until it has applied ${final || 'everything'} (at most ${flags.waitSeconds} s)`,
      sqlHeredoc(gtidWaitSql(parseGtidPos(final), flags.waitSeconds), '--batch -N'),
    );
    if (waited.trim() !== '0') {
      await ctx.session.run(plan.primary.name, sqlHeredoc('SET GLOBAL read_only = 0;'));
      throw new UserError(`"${plan.target.name}" did not apply ${final} within ${flags.waitSeconds} s: the switch-over was abandoned and "${plan.primary.name}" opened again (read_only = OFF)`);
    }
    await rb.step(plan.target.name, `promote: stop replicating, semi-sync master ${plan.followers.length ? 'on' : 'off'}, read_only = OFF`, sqlHeredoc(promoteSql(plan.followers.length > 0)));
    for (const f of plan.followers) await rb.repoint(f, plan.target, f === plan.primary ? ' (the old primary)' : '');
    for (const a of plan.absent) rb.note(`${a.member.name}: does not answer (${a.why}): "wpha apply" repoints it when it is back`);
    await rb.proxiesFollow(plan.target.name);
    ctx.say(`Done in ${rb.elapsed()}: "${plan.target.name}" is the primary of group "${ctx.topo.group}".`);
    return 0;
  } finally {
    ctx.session.close();
  }
}

export function registerPromote(db: Command): void {
  addDbOptions(db.command('promote'))
    .description('Planned switch-over: fence the primary, wait until HOST applied everything, promote HOST, repoint the replicas and the SQL proxies')
    .requiredOption('--to <host>', 'the replica that becomes the primary')
    .option('--dry-run', 'print the steps and change nothing')
    .option('--wait-seconds <n>', 'how long the target may take to apply what it received', (v) => positiveInt(v, '--wait-seconds'), 60)
    .addHelpText(
      'after',
      `
Writes are refused from the fence until the promotion (usually well under a second); clients
connected through the SQL proxy lose their connection and reconnect to the new primary.
Examples:
  wpha db promote -i prod --to db2 --dry-run
  wpha db promote -i prod --to db2`,
    )
    .action(async (flags: PromoteFlags) => {
      process.exitCode = await promote(flags);
    });
}
