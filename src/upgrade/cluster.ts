/**
 * What an upgrade works with: the inventory (loaded again after every change of the state file,
 * so that groups, HAProxy's backends and firewalls follow the machines), the state, the
 * providers, SSH to the hosts, the front servers of the group, and converging hosts with the
 * engine (the same run as `wpha apply`, limited to some hosts).
 */
import type { Inventory } from '../model.js';
import { runPlay } from '../engine/run.js';
import { failedForGood, type RunEvent } from '../engine/events.js';
import { WphaError } from '../errors.js';
import type { MachineContext } from '../providers/machines.js';
import type { Providers } from '../providers/registry.js';
import type { StateStore } from '../state/state-file.js';
import { frontsOf, parseShowStat, showStatScript, type Front, type ServerStat } from './haproxy.js';
import type { UpgradeReporter } from './report.js';
import type { Shells } from './shell.js';

export class Cluster {
  constructor(
    public inv: Inventory,
    readonly group: string,
    readonly store: StateStore,
    readonly providers: Providers,
    readonly shells: Shells,
    readonly report: UpgradeReporter,
    private readonly load: () => Promise<Inventory>,
    readonly runId: string,
  ) {}

  /** Load the inventory again: the state file changed (a machine joined or left the group). */
  async reload(): Promise<void> {
    this.inv = await this.load();
  }

  machines(): MachineContext {
    return { inv: this.inv, store: this.store, providers: this.providers, log: (s) => this.report.say(s) };
  }

  fronts(): Front[] {
    return frontsOf(this.inv, this.group);
  }

  host(name: string) {
    const h = this.inv.hosts.get(name);
    if (!h) throw new WphaError(`Host "${name}" is not in inventory "${this.inv.name}" (anymore)`);
    return h;
  }

  /** Run a script on every front server; the first failure stops, naming the front and its output. */
  async onFronts(what: string, script: (f: Front) => string): Promise<void> {
    await Promise.all(
      this.fronts().map(async (f) => {
        const r = await this.shells.run(f.host, script(f));
        if (r.rc !== 0) throw new WphaError(`Cannot ${what} on front server "${f.host.name}": ${(r.stderr || r.stdout).trim()}`);
      }),
    );
  }

  /** The group's servers as every front's HAProxy sees them. */
  async stats(): Promise<Map<string, ServerStat[]>> {
    const out = new Map<string, ServerStat[]>();
    await Promise.all(
      this.fronts().map(async (f) => {
        const r = await this.shells.run(f.host, showStatScript(f));
        if (r.rc !== 0) throw new WphaError(`Cannot read HAProxy's counters on front server "${f.host.name}": ${(r.stderr || r.stdout).trim()}`);
        out.set(f.host.name, parseShowStat(r.stdout, f.backend));
      }),
    );
    return out;
  }

  /**
   * Converge hosts like `wpha apply -l LIMIT` (after reloading the inventory); a failed or
   * unreachable host fails the step, naming the host and the task.
   */
  async converge(limit: string): Promise<void> {
    await this.reload();
    const problems: string[] = [];
    const listener = (e: RunEvent) => {
      // A failure a block rescued or ignore_errors let by is part of the role's design, not a problem.
      if (e.type === 'task' && failedForGood(e)) problems.push(`host "${e.host}", task "${e.task}": ${e.error ?? 'failed'}`);
      if (e.type === 'host-failed' || e.type === 'host-unreachable') problems.push(`host "${e.host}": ${e.error}`);
    };
    const r = await runPlay(this.inv, {
      limit,
      tags: [],
      skipTags: [],
      check: false,
      diff: false,
      forks: 20,
      forceHandlers: false,
      acceptNewHostKeys: false,
      listeners: [listener],
      runId: this.runId,
    });
    if (r.failed || r.interrupted) throw new WphaError(`Converging ${limit} failed: ${problems.join('; ') || (r.interrupted ? 'interrupted' : 'see wpha history')}`);
  }

  /** Members of the group in the state, with a status. */
  machinesOf(status: string): string[] {
    return Object.entries(this.store.state.machines)
      .filter(([, m]) => m.group === this.group && m.status === status)
      .map(([n]) => n);
  }
}

/** `--limit` value for every host but these. */
export function allBut(names: string[]): string {
  return ['all', ...names.map((n) => `!${n}`)].join(':');
}
