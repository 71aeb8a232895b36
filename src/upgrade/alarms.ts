/**
 * Alarms: commands or URLs, run from the machine running wpha, whose failure stops a roll (an
 * error-rate alert of the monitoring, a synthetic check of the shop's checkout). A command
 * alarms when it exits non-zero; a URL when it does not answer 2xx within 10 s.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AlarmSpec } from '../spec/machines.js';
import { trustedCas } from '../tls-trust.js';

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

/**
 * GET a URL once (redirects are answers, not followed), within timeoutMs for the whole exchange:
 * its status and the start of its body. HTTPS trusts what Node would (src/tls-trust.ts).
 */
function getOnce(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
    const ca = u.protocol === 'https:' ? trustedCas() : undefined;
    const req = send(u, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        if (body.length < 4096) body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
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
        const res = await getOnce(a.url, 10_000);
        const body = res.body.trim().slice(0, 300);
        if (res.status < 200 || res.status > 299) return { name: a.name, output: `HTTP ${res.status}${body ? `: ${body}` : ''}` };
      } catch (e) {
        return { name: a.name, output: `no answer: ${(e as Error).message}` };
      }
    }
  }
  return undefined;
}
