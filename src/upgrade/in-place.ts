/**
 * `wpha upgrade --in-place`: hosts that are not replaced (database nodes, written hosts) are
 * upgraded one at a time: taken out of HAProxy (drained) when a front balances their group,
 * apt-get full-upgrade, the units running replaced code restarted (a reboot where the host's
 * provider can, when the system asks for one), the group's checks, back in service. The host
 * being worked on is written to the state first: a killed run resumes with it (apt and dpkg
 * resume an interrupted upgrade), so no host stays out of service unnoticed.
 */
import { WphaError } from '../errors.js';
import type { RolloutRecord } from '../state/schema.js';
import { waitForSsh } from '../lab/host.js';
import { gate } from './checks.js';
import type { Cluster } from './cluster.js';
import { setStateScript } from './haproxy.js';
import { formatPackageDiff } from '../lab/package-diff.js';
import { parseRestarts, parseUpgrade, RESTART_SCRIPT, UPGRADE_SCRIPT } from './in-place-script.js';
import { drainAndStop, raiseAlarms } from './serve.js';
import type { Settings } from './settings.js';

export async function upgradeInPlace(cl: Cluster, s: Settings, rollout: RolloutRecord, hosts: string[]): Promise<void> {
  const r = cl.report;
  const save = (patch: Partial<RolloutRecord>) => cl.store.update((st) => (st.rollout = { ...st.rollout!, ...patch }));
  const todo = hosts.filter((h) => !(rollout.done_hosts ?? []).includes(h));
  // A host a killed run left out of service comes first.
  if (rollout.in_place_host && todo.includes(rollout.in_place_host)) todo.unshift(...todo.splice(todo.indexOf(rollout.in_place_host), 1));
  for (const [i, name] of todo.entries()) {
    const tag = `${cl.group} ${i + 1}/${todo.length} ${name}`;
    await raiseAlarms(s);
    save({ in_place_host: name });
    const fronts = cl.fronts();
    if (fronts.length) await r.phase('drain', [name], i + 1, `${tag}: out of HAProxy`, () => drainAndStop(cl, s, [name]));
    const host = cl.host(name);
    const out = await r.phase('upgrade', [name], i + 1, `${tag}: apt-get full-upgrade`, async () => {
      const up = await cl.shells.run(host, UPGRADE_SCRIPT);
      if (up.rc !== 0) throw new WphaError(`apt-get full-upgrade failed on host "${name}": ${up.stderr.trim()}`);
      return parseUpgrade(up.stdout);
    });
    r.say(`${tag}: ${out.diff.changed.length} package(s) upgraded, ${out.diff.added.length} new, ${out.diff.removed.length} removed\n${formatPackageDiff(out.diff).trimEnd()}`);
    // Units running replaced code are restarted; what cannot be (D-Bus, logind) or a system
    // asking for a reboot (a new kernel or libc) gets one where the host's provider can.
    const restarted = parseRestarts((await cl.shells.run(host, RESTART_SCRIPT)).stdout);
    const needReboot = [...restarted.filter((l) => l.endsWith('needs a reboot')).map((l) => l.replace(/ needs a reboot$/, '')), ...(out.reboot ? [out.reboot] : [])];
    r.say(`${tag}: ${restarted.filter((l) => !l.endsWith('needs a reboot')).join(', ') || 'no running service uses replaced files'}`);
    const provider = host.machine ? cl.providers.get(host.machine.provider) : undefined;
    if (needReboot.length && provider?.reboot) {
      await r.phase('reboot', [name], i + 1, `${tag}: reboot (${needReboot.join(', ')})`, async () => {
        cl.shells.forget(host);
        await provider.reboot!(host.machine!.providerId ?? name);
        await waitForSsh(host.address, 120_000);
      });
    } else if (needReboot.length) {
      r.say(`warning: ${tag}: needs a reboot (${needReboot.join(', ')}) that no provider can do for it: not rebooted`);
    }
    const front = fronts[0];
    const outcomes = await r.phase('gate', [name], i + 1, `${tag}: checks`, () => gate(s.checks, host, front?.host ?? host, front?.port ?? 80, cl.shells, s.gateTimeoutMs));
    for (const o of outcomes) r.emit({ type: 'check', host: name, name: o.name, ok: o.ok, output: o.output });
    const bad = outcomes.find((o) => !o.ok);
    if (bad) throw new WphaError(`Host "${name}" failed check "${bad.name}" after its upgrade: ${bad.output}. It stays out of service; \`wpha upgrade --continue\` tries it again`);
    if (fronts.length) await cl.onFronts(`put "${name}" back in service`, (f) => setStateScript(f, name, 'ready'));
    save({ in_place_host: undefined, done_hosts: [...(cl.store.state.rollout?.done_hosts ?? []), name], done: (cl.store.state.rollout?.done ?? 0) + 1 });
    r.say(`${tag}: back in service`);
  }
}
