/**
 * The gate: the health checks a group declares (`upgrade.checks`), run on a new (or upgraded)
 * host before it serves. An HTTP check requests a path from the node itself, with the site's
 * Host header, from a front server (the path HAProxy's own requests take: firewall included); a
 * command check runs on the node. Every check must pass in the same round; a round is tried
 * again until the gate's timeout (services may still be starting), then the last failure is
 * reported with its output.
 */
import type { HostSpec } from '../model.js';
import type { CheckSpec } from '../spec/machines.js';
import { durationMs } from '../spec/machines.js';
import { quote } from '../shell/quote.js';
import type { Shells } from './shell.js';

export interface CheckOutcome {
  name: string;
  ok: boolean;
  /** What the check saw (status and the start of the body, or the command's output). */
  output: string;
}

const OUTPUT_CHARS = 600;
const clip = (s: string) => (s.length > OUTPUT_CHARS ? `${s.slice(0, OUTPUT_CHARS)}...` : s).trim();

/** The script an HTTP check runs (on a front server, or on the node itself when the group has none). */
export function httpCheckScript(http: NonNullable<Extract<CheckSpec, { http: unknown }>['http']>, address: string, port: number): string {
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${http.port ?? port}${http.path}`;
  const seconds = Math.max(1, Math.round(durationMs(http.timeout ?? '10s') / 1000));
  return `body=$(mktemp); err=$(mktemp)
code=$(curl -sS -o "$body" -w '%{http_code}' --max-time ${seconds} -H ${quote(`Host: ${http.host ?? 'localhost'}`)} ${quote(url)} 2>"$err")
if [ $? -eq 0 ]; then echo "status=$code"; head -c 4096 "$body"; else echo "error=$(head -c 300 "$err")"; fi
rm -f "$body" "$err"
`;
}

/** Judges an HTTP check's output (pure). */
export function judgeHttp(http: { status?: number; contains?: string }, stdout: string): { ok: boolean; output: string } {
  const [first = '', ...rest] = stdout.split('\n');
  const body = rest.join('\n');
  if (first.startsWith('error=')) return { ok: false, output: `request failed: ${first.slice(6)}` };
  const status = Number(first.replace(/^status=/, ''));
  const want = http.status ?? 200;
  if (status !== want) return { ok: false, output: clip(`HTTP ${status} (expected ${want}): ${body}`) };
  if (http.contains !== undefined && !body.includes(http.contains)) return { ok: false, output: clip(`HTTP ${status}, but the body does not contain "${http.contains}": ${body}`) };
  return { ok: true, output: `HTTP ${status}` };
}

export async function runCheck(check: CheckSpec, node: HostSpec, from: HostSpec, port: number, shells: Shells): Promise<CheckOutcome> {
  try {
    if ('http' in check) {
      const r = await shells.run(from, httpCheckScript(check.http, from === node ? '127.0.0.1' : node.address, port));
      return { name: check.name, ...judgeHttp(check.http, r.stdout) };
    }
    const r = await shells.run(node, check.command);
    return { name: check.name, ok: r.rc === 0, output: clip(`exit ${r.rc}${r.stdout || r.stderr ? `: ${[r.stdout, r.stderr].filter(Boolean).join('\n')}` : ''}`) };
  } catch (e) {
    return { name: check.name, ok: false, output: clip((e as Error).message) };
  }
}

/** Runs rounds of every check until one round passes entirely or `timeoutMs` passed; returns the last round. */
export async function gate(checks: CheckSpec[], node: HostSpec, from: HostSpec, port: number, shells: Shells, timeoutMs: number): Promise<CheckOutcome[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const round: CheckOutcome[] = [];
    for (const c of checks) round.push(await runCheck(c, node, from, port, shells));
    if (round.every((o) => o.ok) || Date.now() >= deadline) return round;
    await new Promise((r) => setTimeout(r, 2000));
  }
}
