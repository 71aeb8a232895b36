/**
 * `wpha db failover`: the primary is gone. Freeze what the replicas received (their IO threads
 * stop, so none reconnects to a primary that comes back), pick the most advanced replica (or the
 * one asked for, or one of a standby region), refuse unless it provably holds every acknowledged
 * transaction (or --accept-data-loss), let it apply its relay log, promote it, repoint the
 * others, wait for the SQL proxies, and with --to-region run the operator's switch command.
 */
import type { Command } from 'commander';
import { execa } from 'execa';
import { UserError } from '../../../errors.js';
import { failoverSteps, planFailover } from '../../../db/failover.js';
import { gtidWaitSql, promoteSql, sqlHeredoc } from '../../../db/replication-sql.js';
import { RunbookRefusal } from '../../../db/switchover.js';
import { positiveInt } from '../../options.js';
import { addDbOptions, openDb, type DbContext, type DbFlags } from './context.js';
import { Runbook } from './runbook.js';

interface FailoverFlags extends DbFlags {
  to?: string;
  toRegion?: string;
  switchCommand?: string;
  acceptDataLoss?: boolean;
  dryRun?: boolean;
  waitSeconds: number;
}

/** Stops (or starts again) the IO thread of every answering replica. */
async function ioThreads(ctx: DbContext, hosts: string[], sql: string): Promise<void> {
  await Promise.all(hosts.map((h) => ctx.session.run(h, sqlHeredoc(sql))));
}

export async function failover(flags: FailoverFlags): Promise<number> {
  if (flags.switchCommand && flags.toRegion === undefined) throw new UserError('--switch-command goes with --to-region (the command that points clients at the standby region)');
  const ctx = await openDb(flags);
  try {
    const request = { ...(flags.to ? { to: flags.to } : {}), ...(flags.toRegion !== undefined ? { region: flags.toRegion } : {}), acceptDataLoss: Boolean(flags.acceptDataLoss) };
    let answers = await ctx.session.views(ctx.topo);
    const replicas = ctx.topo.members
      .filter((m) => {
        const a = answers.get(m.name);
        return a?.ok && a.view.replica;
      })
      .map((m) => m.name);
    if (!flags.dryRun) {
      // A killed primary restarts within seconds (systemd) and replicas reconnect to it (P5):
      // freeze what they received before comparing them.
      ctx.say(`Freezing what the replicas received: STOP SLAVE IO_THREAD on ${replicas.join(', ') || 'none'}`);
      await ioThreads(ctx, replicas, 'STOP SLAVE IO_THREAD;');
      answers = await ctx.session.views(ctx.topo);
    }
    let plan;
    try {
      plan = planFailover(ctx.topo, answers, request);
    } catch (e) {
      if (!(e instanceof RunbookRefusal)) throw e;
      if (!flags.dryRun) await ioThreads(ctx, replicas, 'START SLAVE IO_THREAD;');
      throw new UserError(`Cannot fail over: ${e.message}`);
    }
    const steps = failoverSteps(plan, flags.switchCommand);
    ctx.say(`Failover of group "${ctx.topo.group}": ${plan.old.name} -> ${plan.candidate.name}${flags.dryRun ? ' (dry run: nothing is changed)' : ''}`);
    ctx.say(`${plan.proof.proven ? 'No acknowledged transaction is lost' : 'WARNING: acknowledged transactions may be lost (--accept-data-loss)'}: ${plan.proof.why}`);
    if (flags.dryRun) {
      steps.forEach((s, i) => ctx.say(`[${i + 1}/${steps.length}] ${s}`));
      return 0;
    }
    const rb = new Runbook(ctx, steps.length);
    const c = plan.candidate;
    const applied = await rb.step(
      c.name,
      `wait until it has applied everything it received (at most ${flags.waitSeconds} s)`,
      sqlHeredoc(gtidWaitSql(plan.candidatePos, flags.waitSeconds), '--batch -N'),
    );
    if (applied.trim() !== '0')
      throw new UserError(`"${c.name}" did not apply its relay log within ${flags.waitSeconds} s; nothing was promoted (the replicas' IO threads are stopped: "wpha apply" starts them again)`);
    await rb.step(c.name, `promote: stop replicating, semi-sync master ${plan.followers.length ? 'on' : 'off'}, read_only = OFF`, sqlHeredoc(promoteSql(plan.followers.length > 0)));
    for (const f of plan.followers) await rb.repoint(f, c);
    for (const d of plan.diverged) rb.note(`${d.member.name}: NOT repointed: ${d.why} (rebuild it: see docs/database.md)`);
    for (const a of plan.absent) rb.note(`${a.member.name}: does not answer (${a.why}): "wpha apply" makes it a replica when it is back`);
    await rb.proxiesFollow(c.name);
    if (flags.switchCommand) {
      rb.note(`switch command: ${flags.switchCommand}`);
      const env = { WPHA_DB_GROUP: ctx.topo.group, WPHA_DB_PRIMARY: c.name, WPHA_DB_PRIMARY_ADDRESS: c.address, WPHA_DB_REGION: c.region, WPHA_DB_OLD_PRIMARY: plan.old.name };
      const r = await execa('sh', ['-c', flags.switchCommand], { env, reject: false, all: true });
      for (const l of String(r.all ?? '')
        .trim()
        .split('\n')
        .filter(Boolean))
        ctx.say(`      ${l}`);
      if (r.exitCode !== 0) throw new UserError(`The switch command failed (exit ${r.exitCode}) after "${c.name}" was promoted: point the clients at region "${c.region}" by hand`);
    }
    rb.note(`${plan.old.name} (the old primary): when it is back, "wpha apply -i ${flags.inventory} -l ${plan.old.name}" makes it a replica of ${c.name}`);
    ctx.say(`Done in ${rb.elapsed()}: "${c.name}" is the primary of group "${ctx.topo.group}".`);
    return 0;
  } finally {
    ctx.session.close();
  }
}

export function registerFailover(db: Command): void {
  addDbOptions(db.command('failover'))
    .description('The primary is gone: promote the most advanced replica, refusing when it may lack an acknowledged transaction')
    .option('--to <host>', 'promote this replica instead of the most advanced one')
    .option('--to-region <region>', 'promote a replica of this region (two-region standby: mariadb_region)')
    .option(
      '--switch-command <cmd>',
      'with --to-region: run this on the controller once promoted (env WPHA_DB_PRIMARY, WPHA_DB_PRIMARY_ADDRESS, WPHA_DB_REGION, WPHA_DB_GROUP, WPHA_DB_OLD_PRIMARY), e.g. a DNS or load balancer update',
    )
    .option('--accept-data-loss', 'promote even when no proof remains that the new primary holds every acknowledged transaction')
    .option('--dry-run', 'print the decision and the steps, change nothing')
    .option('--wait-seconds <n>', 'how long the new primary may take to apply what it received', (v) => positiveInt(v, '--wait-seconds'), 120)
    .addHelpText(
      'after',
      `
A failover is refused when the primary is still writable (use "wpha db promote"), or when no proof
remains that the chosen replica holds every acknowledged transaction: the old primary's server
answers (it restarted read-only) and the replica has all it committed, or semi-sync never falls
back (mariadb_semi_sync_timeout_ms: 0) and every other member answers.
Examples:
  wpha db failover -i prod --dry-run
  wpha db failover -i prod
  wpha db failover -i prod --to-region dr --switch-command './switch-dns.sh "$WPHA_DB_PRIMARY_ADDRESS"' --accept-data-loss`,
    )
    .action(async (flags: FailoverFlags) => {
      process.exitCode = await failover(flags);
    });
}
