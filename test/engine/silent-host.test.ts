/**
 * A host that stops answering never holds up the others: proven on real lab hosts made silent
 * from the machine, by stopping (SIGSTOP) the host's sshd processes, as a frozen or overloaded
 * host behaves: its kernel still accepts TCP, nothing answers.
 *  - silent before the run: the connection times out (--connect-timeout), reported as such;
 *  - silent during a round trip: the round trip times out (--round-trip-timeout), reported as such.
 * The other host converges in the same run both times; once the stopped host is continued, it
 * applies again (nothing of the timed-out run holds its lock).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { acquireLabHosts, type LabHosts } from '../helpers/lab-hosts.js';
import { writeLabInventory } from '../helpers/lab-inventory.js';
import { hostDone, jsonEvents, runWpha } from '../helpers/wpha-cli.js';

interface Proc {
  pid: number;
  ppid: number;
  cmd: string;
}

/** Every process of a lab host, seen from the machine: the descendants of its nspawn process. */
function hostProcesses(lab: LabHosts, host: string): Proc[] {
  const rec = lab.lab.hosts().find((h) => h.name === host);
  if (!rec?.pid) throw new Error(`Lab host "${host}" is not running`);
  const all: Proc[] = [];
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      all.push({ pid: Number(d), ppid, cmd: readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      // ended meanwhile
    }
  }
  const inside = new Set([rec.pid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) if (!inside.has(p.pid) && inside.has(p.ppid)) inside.add(p.pid), (grew = true);
  }
  return all.filter((p) => inside.has(p.pid) && p.pid !== rec.pid);
}

const sshdOf = (lab: LabHosts, host: string) => hostProcesses(lab, host).filter((p) => p.cmd.startsWith('sshd'));
const signal = (procs: Proc[], sig: NodeJS.Signals) => procs.forEach((p) => process.kill(p.pid, sig));

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a silent host never holds up the others', () => {
  let lab: LabHosts;
  let inv: string;
  let [quiet, other] = ['', ''];
  let roles = '';

  beforeAll(async () => {
    lab = await acquireLabHosts(2, 'silent');
    [quiet, other] = lab.hosts.map((h) => h.name) as [string, string];
    // A role whose apply runs a few seconds on the host (a command, so every run applies it): well
    // within the round trip timeout of these runs when the host answers.
    roles = mkdtempSync(path.join(tmpdir(), 'wpha-silent-roles-'));
    mkdirSync(path.join(roles, 'slow_step'), { recursive: true });
    writeFileSync(path.join(roles, 'slow_step', 'role.yaml'), 'description: a step that takes a few seconds\ntasks:\n  - name: slow step\n    command: { cmd: "sleep 3" }\n');
    inv = writeLabInventory(lab, { groups: { slow: { hosts: [0, 1], roles: ['slow_step'] } }, roleDirs: [roles] }).dir;
  });
  afterAll(async () => {
    if (lab) for (const h of lab.hosts) signal(sshdOf(lab, h.name), 'SIGCONT');
    await lab?.release();
    if (roles) rmSync(roles, { recursive: true, force: true });
  });

  it('silent before the run: its connection times out, the other host converges', async () => {
    const stopped = sshdOf(lab, quiet);
    expect(stopped.length).toBeGreaterThan(0);
    signal(stopped, 'SIGSTOP');
    try {
      const r = await runWpha(['apply', '-i', inv, '--json', '--connect-timeout', '3']);
      expect(r.code).toBe(1);
      const ev = jsonEvents(r.stdout);
      expect(hostDone(ev, other)!.recap).toMatchObject({ changed: 1, failed: 0, unreachable: false });
      expect(hostDone(ev, quiet)!.recap.unreachable).toBe(true);
      const why = ev.find((e) => e.type === 'host-unreachable' && e.host === quiet);
      expect(why).toMatchObject({ error: expect.stringMatching(/^Cannot connect to host "[^"]+" \([^)]+\): Timed out while waiting for handshake$/) });
    } finally {
      signal(stopped, 'SIGCONT');
    }
  });

  it('silent during a round trip: the round trip times out, the other host converges, the host applies again later', async () => {
    const run = runWpha(['apply', '-i', inv, '--json', '--round-trip-timeout', '10']);
    // The apply round trip is under way on the host once its `sleep 3` runs: then its sshd stops.
    await waitFor('the slow step to start on the host', () => hostProcesses(lab, quiet).find((p) => p.cmd === 'sleep 3'));
    const stopped = sshdOf(lab, quiet);
    signal(stopped, 'SIGSTOP');
    let r;
    try {
      r = await run;
    } finally {
      signal(stopped, 'SIGCONT');
    }
    expect(r.code).toBe(1);
    const ev = jsonEvents(r.stdout);
    expect(hostDone(ev, other)!.recap).toMatchObject({ changed: 1, failed: 0, unreachable: false });
    expect(hostDone(ev, quiet)!.recap.unreachable).toBe(true);
    const why = ev.find((e) => e.type === 'host-unreachable' && e.host === quiet);
    expect(why).toMatchObject({ error: `Host "${quiet}" did not answer within 10 s (round trip timeout, --round-trip-timeout): the step under way may still be running there` });
    // Continued, the host takes a new run (the timed-out run's lock went with its connection).
    const again = await runWpha(['apply', '-i', inv, '--json', '--lock-timeout', '60', '-l', quiet]);
    expect(again.code, again.stderr + again.stdout.slice(-2000)).toBe(0);
    expect(hostDone(jsonEvents(again.stdout), quiet)!.recap).toMatchObject({ changed: 1, failed: 0, unreachable: false });
  });
});
