/**
 * Running a runbook's steps: each is printed ("[3/7] db2: promote: ...") before it runs, its
 * output after; the first failing step stops the runbook, saying what was done. Shared waits:
 * replicas connected to their new primary, SQL proxies sending to it.
 */
import { formatGtidPos } from '../../../db/gtid.js';
import { heldPos } from '../../../db/primary.js';
import { repointSql, sqlHeredoc } from '../../../db/replication-sql.js';
import type { DbMember } from '../../../db/topology.js';
import { REPLICATION_PRELUDE } from '../../../ops/lib/mariadb-sh.js';
import { UserError } from '../../../errors.js';
import type { DbContext } from './context.js';

export class Runbook {
  private n = 0;
  private readonly t0 = Date.now();

  constructor(
    private readonly ctx: DbContext,
    private readonly total: number,
  ) {}

  /** Prints the step, runs the fragment on the host (as root), prints its output; throws when it fails. */
  async step(host: string, text: string, fragment: string): Promise<string> {
    this.n++;
    this.ctx.say(`[${this.n}/${this.total}] ${host}: ${text}`);
    const r = await this.ctx.session.run(host, `${REPLICATION_PRELUDE}\n${fragment}`);
    const out = r.stdout.trim();
    if (out) for (const l of out.split('\n')) this.ctx.say(`      ${l}`);
    if (r.rc !== 0) throw new UserError(`Step ${this.n} failed on host "${host}" (exit ${r.rc}): ${r.stderr.trim() || out}. Steps 1 to ${this.n - 1} were done.`);
    return out;
  }

  /** A step that runs on the controller (printed and counted like the others). */
  note(text: string): void {
    this.n++;
    this.ctx.say(`[${this.n}/${this.total}] ${text}`);
  }

  elapsed(): string {
    return `${((Date.now() - this.t0) / 1000).toFixed(1)} s`;
  }

  /** Repoints a replica to `to`, from everything it holds (read right now), and waits until it is connected. */
  async repoint(m: DbMember, to: DbMember, why = ''): Promise<void> {
    const fresh = (await this.ctx.session.views({ ...this.ctx.topo, members: [m] })).get(m.name);
    if (!fresh?.ok) {
      this.note(`${m.name}: does not answer any more (${fresh && !fresh.ok ? fresh.error : '?'}): "wpha apply" repoints it when it is back`);
      return;
    }
    const from = heldPos(fresh.view);
    await this.step(
      m.name,
      `replicate from ${to.name} (${to.address}) from ${formatGtidPos(from) || 'the start'}${why}`,
      `${sqlHeredoc(repointSql(to.address, this.ctx.topo.login))}\nwpha_repl_wait_io 30`,
    );
  }

  /** Waits until every SQL proxy sends to `primary` (at most `seconds`); prints what each does. */
  async proxiesFollow(primary: string, seconds = 30): Promise<void> {
    if (!this.ctx.topo.proxies.length) return this.note('SQL proxies: none in this inventory');
    const deadline = Date.now() + seconds * 1000;
    let last = await this.ctx.session.proxies(this.ctx.topo);
    // A proxy host that does not answer (the old primary's, cut off) is reported, not waited for.
    while (Date.now() < deadline && !last.every((p) => !Array.isArray(p.up) || (p.up.length === 1 && p.up[0] === primary))) {
      await new Promise((r) => setTimeout(r, 250));
      last = await this.ctx.session.proxies(this.ctx.topo);
    }
    this.note(`SQL proxies: ${last.map((p) => `${p.proxy} sends to ${Array.isArray(p.up) ? p.up.join(', ') || 'no server' : `? (${p.up.error})`}`).join('; ')}`);
    const wrong = last.filter((p) => !Array.isArray(p.up) || p.up.length !== 1 || p.up[0] !== primary);
    if (wrong.length) this.ctx.say(`warning: after ${seconds} s, ${wrong.map((p) => p.proxy).join(', ')} still do(es) not send to ${primary} only`);
  }
}
