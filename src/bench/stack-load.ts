/**
 * The load side of the stack bench: wrk installed and run INSIDE one lab host (the load client),
 * so the traffic never leaves the bench lab's bridge. Commands travel as scripts on ssh's stdin.
 */
import { execa } from 'execa';
import { sh } from '../shell/quote.js';
import type { LabSsh } from './web-tier-files.js';
import { parseWrk, wrkCommand, type WrkResult, type WrkRun } from './wrk.js';

export interface SshTarget extends LabSsh {
  address: string;
}

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `script` with `sh` as root on a lab host; the host key must be in the lab's known_hosts. */
export async function runOnHost(t: SshTarget, script: string, timeoutMs: number): Promise<ScriptResult> {
  const r = await execa('ssh', ['-i', t.key, '-o', `UserKnownHostsFile=${t.knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', `root@${t.address}`, 'sh -s'], {
    input: script,
    reject: false,
    timeout: timeoutMs,
  });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * Installs Debian's wrk on the load client (through the lab's package proxy; the package lists
 * are refreshed only when the install fails on stale ones) and returns its version line.
 */
export async function installWrk(t: SshTarget): Promise<string> {
  const install = 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wrk >/tmp/wpha-bench-wrk-install.log 2>&1';
  const script = [
    'set -e',
    `command -v wrk >/dev/null || ${install} || { apt-get update -q >/dev/null 2>&1 && ${install}; }`,
    // `wrk -v` prints its version and exits 1.
    'wrk -v 2>&1 | head -n 1 || true',
  ].join('\n');
  const r = await runOnHost(t, script, 300_000);
  if (r.code !== 0) {
    const log = await runOnHost(t, 'tail -n 15 /tmp/wpha-bench-wrk-install.log', 30_000);
    throw new Error(`Cannot install wrk on ${t.address} (exit ${r.code}): ${r.stderr.trim()}\n${log.stdout}`);
  }
  return r.stdout.trim();
}

export interface LoadRun {
  label: string;
  run: WrkRun;
  result: WrkResult;
  /** wrk's report as printed, kept for the log. */
  output: string;
}

/** One bounded wrk run on the load client; throws with wrk's output when it fails or cannot be read. */
export async function runWrk(t: SshTarget, label: string, run: WrkRun): Promise<LoadRun> {
  const r = await runOnHost(t, `${wrkCommand(run)}\n`, (run.seconds + 60) * 1000);
  if (r.code !== 0) throw new Error(`wrk "${label}" on ${t.address} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return { label, run, result: parseWrk(r.stdout), output: r.stdout };
}

/** wrk needs the port spelled out (it maps a scheme to a port through /etc/services). */
export const vipUrl = (vip: string, urlPath: string): string => `http://${vip}:80${urlPath}`;

/** Shell text printing "STATUS X-CACHE" (e.g. "200 HIT") for one request as wrk will send it, for the report. */
export const answerProbe = (url: string, host: string, headers: string[] = []): string =>
  sh`curl -s -o /dev/null -w ${'%{http_code} %header{x-cache}\n'} -H ${`Host: ${host}`} ${headers.flatMap((h) => ['-H', h])} ${url}`;
