/**
 * A controller killed with SIGKILL in the middle of an apply (an apt install, a file write, a
 * handler) never leaves two runs writing one host: the step under way runs to its end on the
 * host, and the next apply is refused naming what still runs, or waits for it with
 * --lock-timeout and then converges. No temp file and no pending handler is lost or left behind.
 *
 * Each step under way is held on the host until the test creates /run/kw-go, so the kill lands
 * while the step certainly runs. A monitor on the host records any moment at which processes of
 * two different round-trip scripts (two values of WPHA_WORK in their environments) are alive.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execa } from 'execa';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { runWpha, jsonEvents, tasksOf } from '../helpers/wpha-cli.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/wpha');

// Every process holding a WPHA_WORK variable, grouped by its value; two values at once = two scripts.
const MONITOR = `while :; do
  set -- $(grep -az '^WPHA_WORK=' /proc/[0-9]*/environ 2>/dev/null | tr '\\0' '\\n' | sed -n 's/^[^:]*:WPHA_WORK=//p' | sort -u)
  if [ $# -gt 1 ]; then echo "$(date +%T.%N) $*" >> /run/kw-overlap; fi
  sleep 0.05
done`;

describe('a killed controller never leaves two writers on a host', () => {
  let lab: LabHosts;
  let inv: string;
  let h: string;
  beforeAll(async () => {
    lab = await acquireLabHosts(1, 'kill');
    h = lab.hosts[0]!.name;
    inv = writeLabInventory(lab, { groups: { app: { hosts: [0], roles: ['survivor'] } }, roleDirs: ['test/engine/fixtures/kill-roles'] }).dir;
    const mon = await lab.ssh(h, `cat > /usr/local/bin/kw-monitor && systemd-run --unit kw-monitor sh /usr/local/bin/kw-monitor`, { input: MONITOR });
    expect(mon.code, mon.stderr).toBe(0);
  });
  afterAll(async () => lab?.release());

  /** Wait on the host (one SSH call) until `cond` holds; false after `seconds`. */
  async function untilOnHost(cond: string, seconds = 300): Promise<boolean> {
    const r = await lab.ssh(h, `i=0; while [ $i -lt ${seconds * 10} ]; do if ${cond}; then exit 0; fi; i=$((i+1)); sleep 0.1; done; exit 1`, { timeoutMs: (seconds + 30) * 1000 });
    return r.code === 0;
  }

  const startApply = (args: string[]) => execa('node', [BIN, 'apply', '-i', inv, ...args], { reject: false, env: { CI: '1' } });

  /**
   * Start an apply with `vars`, kill -9 its controller once the held step says it is under way
   * (it made /run/kw-held), then: an apply at once is refused naming what still runs; an
   * apply with --lock-timeout waits until the old work ends (released by the test) and converges.
   */
  async function killDuring(vars: string[]) {
    await lab.ssh(h, 'rm -f /run/kw-go /run/kw-held /run/kw-overlap');
    const killed = startApply(vars);
    try {
      // The run must still be under way when the step is seen on the host (else say why it ended).
      const seen = await Promise.race([untilOnHost('[ -e /run/kw-held ]'), killed.then((r) => `the run ended first (exit ${r.exitCode}): ${String(r.stdout)} ${String(r.stderr)}`)]);
      expect(seen).toBe(true);
      process.kill(killed.pid!, 'SIGKILL');
      await killed;
      return await refusedThenWaits(vars, killed.pid!);
    } finally {
      // Whatever failed above, the held step must not block the next test.
      await lab.ssh(h, 'touch /run/kw-go');
    }
  }

  async function refusedThenWaits(vars: string[], killedPid: number) {
    const refused = await runWpha(['apply', '-i', inv, ...vars]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(
      new RegExp(
        `${h} \\| failed \\| Host "${h}" still runs work an earlier run left \\(\\S+@\\S+ pid ${killedPid} since [^)]+\\): .+\\. Try again when it ends, or pass --lock-timeout SECONDS to wait`,
      ),
    );

    const waiting = startApply([...vars, '--lock-timeout', '300', '--json']);
    // The waiting run waits on the host (a flock on the work lock); or it did not wait at all.
    expect(await untilOnHost('pgrep -x flock >/dev/null || [ -s /run/kw-overlap ]')).toBe(true);
    await lab.ssh(h, 'touch /run/kw-go');
    const done = await waiting;
    expect(done.exitCode, String(done.stdout)).toBe(0);
    expect((await lab.ssh(h, 'cat /run/kw-overlap 2>/dev/null')).stdout, 'two scripts ran at once').toBe('');
    return { refused, events: jsonEvents(String(done.stdout)) };
  }

  /** No work folder, stage or temp file of any run is left on the host. */
  async function expectNoLeftovers() {
    const r = await lab.ssh(h, 'ls -d /tmp/wpha* /srv/kw/.*.wpha-* 2>/dev/null; true');
    expect(r.stdout).toBe('');
  }

  it('during an apt install: the install ends undisturbed, the next apply waits for it', async () => {
    // apt-get waits before it runs dpkg until the test releases it.
    await lab.ssh(h, `echo 'DPkg::Pre-Invoke { "touch /run/kw-held; while [ ! -e /run/kw-go ]; do sleep 0.1; done"; };' > /etc/apt/apt.conf.d/99kw-hold`);
    const { refused } = await killDuring(['-e', 'kw_packages=[jq]']);
    expect(refused.stdout).toMatch(/apt-get .*install.* jq/);
    await lab.ssh(h, 'rm -f /etc/apt/apt.conf.d/99kw-hold');
    expect((await lab.ssh(h, "dpkg --audit; dpkg-query -W -f='${Status}' jq")).stdout).toBe('install ok installed');
    await expectNoLeftovers();
  });

  it('during a file write: the file is whole, its handler still runs, no temp file remains', async () => {
    // What a controller killed while it uploaded file contents over SFTP leaves behind.
    await lab.ssh(h, 'mkdir -m 700 /tmp/wpha-run-0123456789ab-stage-00aa && echo secret > /tmp/wpha-run-0123456789ab-stage-00aa/f');
    const { refused, events } = await killDuring(['-e', 'kw_packages=[jq]', '-e', 'kw_revision=r2', '-e', 'kw_hold_write=true']);
    expect(refused.stdout).toContain('wpha-validate');
    // The killed run wrote the file; the next run found it done and ran the handler it had recorded.
    expect(
      tasksOf(events)
        .filter((t) => t.status === 'changed')
        .map((t) => t.task),
    ).toEqual(['reload']);
    expect((await lab.ssh(h, 'cat /srv/kw/settings')).stdout).toBe('revision r2');
    expect((await lab.ssh(h, 'cat /srv/kw/handler-runs')).stdout.split('\n').at(-1)).toBe('r2');
    expect((await lab.ssh(h, 'test -e /var/lib/wpha/pending-handlers; echo $?')).stdout).toBe('1');
    await expectNoLeftovers();
  });

  it('during a handler: it runs to its end, is still pending, and the next apply runs it again then clears it', async () => {
    const before = (await lab.ssh(h, 'cat /srv/kw/handler-runs')).stdout.split('\n');
    const vars = ['-e', 'kw_packages=[jq]', '-e', 'kw_revision=r3', '-e', 'kw_hold_handler=true'];
    await killDuring(vars);
    // Once by the killed run (to its end, but unconfirmed), once by the next: handlers run at least once.
    expect((await lab.ssh(h, 'cat /srv/kw/handler-runs')).stdout.split('\n')).toEqual([...before, 'r3', 'r3']);
    expect((await lab.ssh(h, 'test -e /var/lib/wpha/pending-handlers; echo $?')).stdout).toBe('1');
    await expectNoLeftovers();
    const again = await runWpha(['apply', '-i', inv, ...vars, '--json']);
    expect(again.code, again.stdout).toBe(0);
    expect(tasksOf(jsonEvents(again.stdout)).filter((t) => t.status === 'changed')).toEqual([]);
  });
});
