/**
 * HAProxy's runtime API on the front servers, as `wpha upgrade` uses it: a new host is added as a
 * server in maintenance (health checks running, no requests) until its gate passes; it is then
 * set ready; an old host is drained (no new requests, open ones finish), then put in maintenance.
 * Scripts are built here (pure, every value quoted) and run on each front over SSH; `show stat`
 * is parsed here. After each change the servers' state is saved (wpha-lb save-state), so a
 * reload of HAProxy keeps it: a converge that writes the new host into haproxy.cfg keeps it in
 * maintenance until the runtime API says otherwise.
 */
import type { HostSpec, Inventory } from '../model.js';
import { effectiveVars } from '../roles/vars.js';
import { quote } from '../shell/quote.js';

/** A front server of a group: a host whose HAProxy balances across that group. */
export interface Front {
  host: HostSpec;
  socket: string;
  backend: string;
  port: number;
  /** `check inter 2s fall 2 rise 2`, as the role's default-server line (dynamic servers do not inherit it). */
  check: string;
}

export function frontsOf(inv: Inventory, group: string): Front[] {
  const out: Front[] = [];
  for (const host of inv.hosts.values()) {
    if (!host.roles.includes('haproxy')) continue;
    const v = effectiveVars(inv, host);
    if (v.haproxy_backend_group !== group) continue;
    out.push({
      host,
      socket: String(v.haproxy_socket),
      backend: String(v.haproxy_backend_group),
      port: Number(v.haproxy_backend_port),
      check: `check inter ${v.haproxy_health_interval} fall ${v.haproxy_health_fall} rise ${v.haproxy_health_rise}`,
    });
  }
  return out;
}

const PRELUDE = (f: Front) => `set -u
SOCK=${quote(f.socket)}
api() { printf '%s\\n' "$1" | socat -t 5 stdio "UNIX-CONNECT:$SOCK"; }
# Succeeds when HAProxy answers nothing or one of the allowed answers (arguments 2...).
api_ok() {
  cmd=$1; shift
  out=$(api "$cmd") || { echo "cannot reach HAProxy at $SOCK" >&2; exit 3; }
  out=$(printf '%s' "$out" | tr -d '\\n')
  [ -z "$out" ] && return 0
  for ok in "$@"; do case "$out" in *"$ok"*) return 0 ;; esac; done
  echo "HAProxy refused \\"$cmd\\": $out" >&2; exit 3
}
`;
const SAVE = 'wpha-lb save-state >&2 || { echo "cannot save the servers\' state" >&2; exit 3; }\n';
const server = (f: Front, name: string) => `${f.backend}/${name}`;

/** Add a host as a server in maintenance, with checks running; an existing one is left as it is. */
export function addServerScript(f: Front, name: string, address: string): string {
  const add = `add server ${server(f, name)} ${address}:${f.port} ${f.check}`;
  return `${PRELUDE(f)}api_ok ${quote(add)} 'New server registered' 'Already exists a server with the same name'
api_ok ${quote(`enable health ${server(f, name)}`)}
${SAVE}`;
}

/** With `ifPresent`, a server HAProxy does not have (never added, or gone after a reload) is fine. */
export function setStateScript(f: Front, name: string, state: 'ready' | 'drain' | 'maint', opts: { ifPresent?: boolean } = {}): string {
  return `${PRELUDE(f)}api_ok ${quote(`set server ${server(f, name)} state ${state}`)}${opts.ifPresent ? " 'No such server' 'No such backend'" : ''}
${SAVE}`;
}

/** Put a server in maintenance if HAProxy still has it (a missing one is fine). */
export const maintIfPresentScript = (f: Front, name: string): string => setStateScript(f, name, 'maint', { ifPresent: true });

export function showStatScript(f: Front): string {
  return `${PRELUDE(f)}api 'show stat'\n`;
}

export interface ServerStat {
  name: string;
  status: string;
  /** Sessions open now. */
  scur: number;
  /** Sessions in total. */
  stot: number;
  /** Answers with a 5xx status, failed responses, failed connections. */
  hrsp5xx: number;
  eresp: number;
  econ: number;
  checkStatus: string;
  address: string;
}

/** The servers of `backend` from `show stat` CSV (columns found by their header names). */
export function parseShowStat(csv: string, backend: string): ServerStat[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.replace(/^# /, '').split(',') ?? [];
  const col = (name: string) => header.indexOf(name);
  const num = (f: string[], name: string) => Number(f[col(name)] || 0);
  return lines
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => f[0] === backend && f[1] !== 'BACKEND' && f[1] !== 'FRONTEND')
    .map((f) => ({
      name: f[1]!,
      status: f[col('status')] ?? '',
      scur: num(f, 'scur'),
      stot: num(f, 'stot'),
      hrsp5xx: num(f, 'hrsp_5xx'),
      eresp: num(f, 'eresp'),
      econ: num(f, 'econ'),
      checkStatus: f[col('check_status')] ?? '',
      address: f[col('addr')] ?? '',
    }));
}

/** Errors a server answered (5xx, failed responses, failed connections). */
export const errorsOf = (s: Pick<ServerStat, 'hrsp5xx' | 'eresp' | 'econ'>): number => s.hrsp5xx + s.eresp + s.econ;
