/**
 * Alarms: commands or URLs, run from the machine running wpha, whose failure stops a roll (an
 * error-rate alert of the monitoring, a synthetic check of the shop's checkout). A command
 * alarms when it exits non-zero; a URL when it does not answer 2xx within 10 s.
 */
import { spawn } from 'node:child_process';
import type { AlarmSpec } from '../spec/machines.js';

export interface AlarmResult {
  name: string;
  output: string;
}

function runCommand(command: string, timeoutMs: number): Promise<{ rc: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code, signal) => resolve({ rc: code ?? (signal ? 128 : 1), out: out.trim().slice(0, 500) }));
    child.on('error', (e) => resolve({ rc: 127, out: e.message }));
  });
}

/** The first alarm that is raised, or undefined when all are quiet. */
export async function firstAlarm(alarms: AlarmSpec[]): Promise<AlarmResult | undefined> {
  for (const a of alarms) {
    if ('command' in a) {
      const r = await runCommand(a.command, 30_000);
      if (r.rc !== 0) return { name: a.name, output: `exit ${r.rc}${r.out ? `: ${r.out}` : ''}` };
    } else {
      try {
        const res = await fetch(a.url, { signal: AbortSignal.timeout(10_000), redirect: 'manual' });
        const body = (await res.text()).trim().slice(0, 300);
        if (res.status < 200 || res.status > 299) return { name: a.name, output: `HTTP ${res.status}${body ? `: ${body}` : ''}` };
      } catch (e) {
        return { name: a.name, output: `no answer: ${(e as Error).message}` };
      }
    }
  }
  return undefined;
}
