/**
 * Runs each tool once as a child process, the way an operator would, and times it from spawn to
 * exit (wall clock: interpreter start-up is part of what a user waits for).
 *  - wpha: `node <bin/wpha's shebang options> --require usage-preload.cjs bin/wpha apply -i DIR
 *    --json` in the environment the shebang gives, its caches in the bench's own folder
 *    (XDG_CACHE_HOME), so the user's cache is neither used nor touched.
 *  - Ansible: `ansible-playbook -i INI playbook.yml` with ANSIBLE_CONFIG set to the bench's copy.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Options } from 'execa';
import { projectRoot } from '../paths.js';
import { parseAnsibleOutput, parseWphaJson, type RunOutcome } from './parse-runs.js';
import { parseUsage } from './usage-marker.cjs';
import { envOfLaunch, launchOfShebang } from './shebang.js';
import type { BenchInventories } from './web-tier-files.js';

export interface TimedRun {
  ms: number;
  exitCode: number;
  outcome: RunOutcome;
  /** wpha only: the controller's peak RSS in kB. */
  maxRssKb?: number;
  /** wpha only: the controller's CPU time (user + system) in ms. */
  cpuMs?: number;
  /** wpha only: most file descriptors open at once. */
  maxFds?: number;
  /** wpha only: the longest event-loop stall (ms). */
  loopMaxMs?: number;
  /** wpha only: the longest garbage-collection pause (ms). */
  gcMaxMs?: number;
  /** wpha only: from spawning the process to its first TCP connection (loading, validating, planning the run). */
  startupMs?: number;
  /** wpha only: from the last bytes a host sent to the process's exit (recap, run log, closing). */
  tailMs?: number;
  /** Last lines of stderr, for the report when a run fails. */
  stderrTail: string;
}

/** Long enough for a first apply on 50 fresh hosts downloading packages through the lab proxy. */
const RUN_TIMEOUT_MS = 60 * 60_000;

const tail = (s: string, lines = 15) => s.trimEnd().split('\n').slice(-lines).join('\n');

export interface RunScope {
  /** `--limit` for both tools: comma-separated host names; all hosts of the inventory when absent. */
  limit?: string;
  /** Aborting ends the run's whole process group (ansible-playbook's forks and ssh too). */
  signal?: AbortSignal;
  /** wpha only: more arguments for `wpha apply` (e.g. --forks). */
  extraArgs?: string[];
}

/**
 * Runs a tool in a process group of its own, so that an interrupted bench ends everything the
 * tool started (by that group's id) instead of leaving its workers behind.
 */
async function runGroup(cmd: string, args: string[], env: Record<string, string | undefined>, signal: AbortSignal | undefined) {
  const opts: Options = { reject: false, timeout: RUN_TIMEOUT_MS, env, input: '', detached: true };
  const child = execa(cmd, args, opts);
  const stop = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await child;
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

export async function runWphaApply(inventoryDir: string, cacheHome: string, scope: RunScope = {}, root: string = projectRoot()): Promise<TimedRun> {
  const preload = path.join(path.dirname(fileURLToPath(import.meta.url)), 'usage-preload.cjs');
  const limit = scope.limit ? ['--limit', scope.limit] : [];
  const bin = path.join(root, 'bin', 'wpha');
  const launch = launchOfShebang(readFileSync(bin, 'utf8').split('\n', 1)[0]!);
  // Epoch milliseconds, the clock the preload reports the child's first connection and last answer on.
  const clock = () => performance.timeOrigin + performance.now();
  const t0 = clock();
  const r = await runGroup(
    'node',
    [...launch.nodeOptions, '--require', preload, bin, 'apply', '-i', inventoryDir, '--json', ...limit, ...(scope.extraArgs ?? [])],
    { ...envOfLaunch(launch, process.env), XDG_CACHE_HOME: cacheHome, CI: '1' },
    scope.signal,
  );
  const t1 = clock();
  const { usage, rest } = parseUsage(String(r.stderr));
  return {
    ms: t1 - t0,
    exitCode: r.exitCode ?? -1,
    outcome: parseWphaJson(String(r.stdout)),
    ...(usage ? { maxRssKb: usage.maxRssKb, cpuMs: usage.cpuMs } : {}),
    ...(usage?.maxFds !== undefined ? { maxFds: usage.maxFds } : {}),
    ...(usage?.loopMaxMs !== undefined ? { loopMaxMs: usage.loopMaxMs } : {}),
    ...(usage?.gcMaxMs !== undefined ? { gcMaxMs: usage.gcMaxMs } : {}),
    ...(usage?.firstConnectAt !== undefined ? { startupMs: usage.firstConnectAt - t0 } : {}),
    ...(usage?.lastDataAt !== undefined ? { tailMs: t1 - usage.lastDataAt } : {}),
    stderrTail: tail(rest),
  };
}

export interface AnsibleScope extends RunScope {
  /**
   * Overrides the config's ControlPersist folder: after a host is reset, a master connection to
   * its former self must not be reused (it would hang on a peer that is gone).
   */
  controlPathDir?: string;
}

export async function runAnsiblePlaybook(inv: BenchInventories, scope: AnsibleScope = {}): Promise<TimedRun> {
  const limit = scope.limit ? ['--limit', scope.limit] : [];
  const controlPath: Record<string, string> = scope.controlPathDir ? { ANSIBLE_SSH_CONTROL_PATH_DIR: scope.controlPathDir } : {};
  const t0 = performance.now();
  const env = { ANSIBLE_CONFIG: inv.ansibleConfig, ANSIBLE_NOCOLOR: '1', ANSIBLE_FORCE_COLOR: '0', ...controlPath };
  const r = await runGroup('ansible-playbook', ['-i', inv.ansibleInventory, ...limit, inv.playbook], env, scope.signal);
  const ms = performance.now() - t0;
  return { ms, exitCode: r.exitCode ?? -1, outcome: parseAnsibleOutput(String(r.stdout)), stderrTail: tail(`${String(r.stderr)}\n${String(r.stdout)}`) };
}

/**
 * Ends the ControlPersist masters Ansible left in `dir` (each socket is one host), through ssh
 * itself: they detach from ansible-playbook and would otherwise outlive the bench's hosts.
 */
export async function closeControlMasters(dir: string): Promise<number> {
  if (!existsSync(dir)) return 0;
  const sockets = readdirSync(dir).map((f) => path.join(dir, f));
  const results = await Promise.all(sockets.map((s) => execa('ssh', ['-S', s, '-O', 'exit', 'control-master'], { reject: false, timeout: 10_000 })));
  return results.filter((r) => r.exitCode === 0).length;
}

/** The version line of ansible-playbook, or undefined when it is not installed. */
export async function ansibleVersion(): Promise<string | undefined> {
  const r = await execa('ansible-playbook', ['--version'], { reject: false });
  if (r.exitCode !== 0) return undefined;
  return String(r.stdout).split('\n')[0]?.trim();
}
