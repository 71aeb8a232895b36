/**
 * `systemd_timer_prune`: the timers a role made for a list of items (one per sync job, per
 * site...) are exactly those of the list now. A role loops `systemd_timer` over its items, named
 * `<prefix><item>`; when an item leaves the list, that loop no longer mentions its timer, which
 * would go on running for ever. This op lists the host's timers named `<prefix>*` that wpha wrote
 * (their first line is systemd_timer's header: a timer written by hand or by a package is never
 * touched), and removes those whose item is not in `keep`: timer stopped and disabled, its
 * service stopped, both unit files deleted, systemd reloaded, and the item's own files
 * (`files`, `{item}` replaced by its name) deleted with them.
 *
 *   - name: timers of removed sync jobs
 *     systemd_timer_prune:
 *       prefix: rclone-sync-
 *       keep: "{{ pluck rclone_sync_jobs 'name' }}"
 *       files: ["/etc/rclone-sync/{item}.conf", "/var/lib/rclone-sync/{item}.json"]
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { raw, sh } from '../shell/quote.js';
import { joinSteps, UNIT_DIR } from './lib/index.js';
import { TIMER_HEADER } from './systemd_timer.js';
import type { OpModule, OpPlan, ProbeOutput } from './types.js';

const namePart = /^[A-Za-z0-9:_.@-]+$/;

const args = once(() =>
  z.strictObject({
    prefix: z
      .string()
      .min(2)
      .regex(/^[A-Za-z0-9:_@-][A-Za-z0-9:_.@-]*$/, { message: 'must be the start of a unit name, such as "rclone-sync-"' })
      .describe("Start of the timers' names: the timers are <prefix><item>."),
    keep: z
      .array(z.string().regex(namePart, { message: 'must be a unit name part (letters, digits, ":_.@-")' }))
      .describe('The items whose timers stay (usually the names of the loop the role made timers from).'),
    files: z
      .array(z.string().regex(/^\/[^\0\n]*\{item\}[^\0\n]*$/, { message: 'must be an absolute path holding {item}' }))
      .default([])
      .describe('Files of an item removed with its timer, {item} replaced by its name (its settings, its status file).'),
  }),
);

export type SystemdTimerPruneArgs = z.output<ReturnType<typeof args>>;

export interface SystemdTimerPruneState {
  /** Items (names without the prefix) whose timers wpha wrote on the host. */
  items: string[];
}

/** Lists `<unitDir>/<prefix>*.timer` whose first line is systemd_timer's header. */
export function pruneProbe(unitDir: string, prefix: string): string {
  return sh`for wpha_f in ${raw(`${sh`${unitDir}/${prefix}`}*.timer`)}; do [ -f "$wpha_f" ] && IFS= read -r wpha_l < "$wpha_f" && [ "$wpha_l" = ${TIMER_HEADER} ] && printf 'timer=%s\\n' "\${wpha_f##*/}"; done; true`;
}

export function parsePruneProbe(out: ProbeOutput, prefix: string): SystemdTimerPruneState {
  const items = out.stdout
    .split('\n')
    .filter((l) => l.startsWith('timer='))
    .map((l) => l.slice('timer='.length).replace(/\.timer$/, ''))
    .filter((n) => n.startsWith(prefix) && n.length > prefix.length)
    .map((n) => n.slice(prefix.length));
  return { items: [...new Set(items)].sort() };
}

/** The removal of the items' timers and files, in `unitDir`. Pure. */
export function planPrune(a: SystemdTimerPruneArgs, state: SystemdTimerPruneState, unitDir = UNIT_DIR): OpPlan {
  const keep = new Set(a.keep);
  const gone = state.items.filter((i) => !keep.has(i));
  if (gone.length === 0) return { changed: false, summary: [] };
  const steps: string[] = [];
  const summary: string[] = [];
  for (const item of gone) {
    const unit = `${a.prefix}${item}`;
    const files = a.files.map((f) => f.replaceAll('{item}', item));
    summary.push(`remove timer ${unit} (no longer listed)${files.length ? `, with ${files.join(', ')}` : ''}`);
    steps.push(
      sh`systemctl disable --now -- ${`${unit}.timer`} 2>/dev/null || :`,
      sh`systemctl stop -- ${`${unit}.service`} 2>/dev/null || :`,
      sh`rm -f -- ${[`${unitDir}/${unit}.timer`, `${unitDir}/${unit}.service`, ...files]}`,
    );
  }
  steps.push('systemctl daemon-reload');
  return { changed: true, summary, apply: joinSteps(...steps) };
}

const systemdTimerPruneOp: OpModule<SystemdTimerPruneArgs, SystemdTimerPruneArgs, SystemdTimerPruneState> = {
  name: 'systemd_timer_prune',
  summary: 'Remove the timers (and their files) wpha made for items no longer listed: <prefix><item> not in keep.',
  get args() {
    return args();
  },
  // Any unit written earlier in the run may be one of them: probed again after such a change.
  resources: (a) => [UNIT_DIR, ...a.files.map((f) => f.slice(0, f.lastIndexOf('/')) || '/')],
  probe: (a) => pruneProbe(UNIT_DIR, a.prefix),
  parse: (out, a) => parsePruneProbe(out, a.prefix),
  plan: (a, state) => planPrune(a, state),
};

export default systemdTimerPruneOp;
