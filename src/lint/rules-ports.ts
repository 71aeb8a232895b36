/**
 * ports-mismatch: the ports a role's templates make a service listen on, against its `ports:`
 * (what the common role's firewall opens). Where it can tell: listen directives of the services
 * the roles configure (nginx listen, HAProxy bind, Redis/MariaDB port, sshd Port, Zabbix
 * ListenPort, Swift bind_port, rsyslog imrelp), with `{{ var }}` read from the variable's default.
 * A listener on loopback or a socket needs no firewall opening. The other direction (a declared
 * port nothing listens on) cannot be told: services listen on built-in default ports no template
 * names (MariaDB 3306, Galera 4567, the Zabbix agent 10050).
 */
import type { LintRole } from './collect.js';
import { dependencies } from './rules-vars.js';
import { finding, type Finding } from './rules.js';

/** A value: words and `{{ expressions }}` (which may hold spaces). */
const V = String.raw`((?:\{\{[^}]*\}\}|[^\s;"])+)`;
const DIRECTIVES: RegExp[] = [
  new RegExp(String.raw`^[ \t]*listen[ \t]+${V}[^;\n]*;`, 'gm'), // nginx
  new RegExp(String.raw`^[ \t]*bind[ \t]+${V}`, 'gm'), // HAProxy
  new RegExp(String.raw`^[ \t]*port[ \t]*=?[ \t]*${V}[ \t]*$`, 'gm'), // Redis, Sentinel, MariaDB
  new RegExp(String.raw`^[ \t]*Port[ \t]+${V}`, 'gm'), // sshd
  new RegExp(String.raw`^[ \t]*ListenPort[ \t]*=[ \t]*${V}`, 'gm'), // Zabbix
  new RegExp(String.raw`^[ \t]*bind_port[ \t]*=[ \t]*${V}`, 'gm'), // Swift
  new RegExp(String.raw`type="imrelp"[^)]*port="${V}"`, 'g'), // rsyslog
];

const LOCAL = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

interface Listener {
  port: number;
  file: string;
  line: number;
  col: number;
}

/** `{{ var }}` -> the default of `var` (own role or its dependencies); undefined when not that simple. */
function resolve(text: string, defaults: Record<string, unknown>): string | undefined {
  let ok = true;
  const out = text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_, name: string) => {
    const v = defaults[name];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    ok = false;
    return '';
  });
  return ok && !out.includes('{{') ? out : undefined;
}

/** `port =` under [client] (or [mysql]...) of an option file is where a client connects, not a listener. */
function inClientSection(text: string, at: number): boolean {
  const sections = [...text.slice(0, at).matchAll(/^\[([^\]\n]+)\]/gm)];
  const last = sections.at(-1)?.[1];
  return last !== undefined && /^(client|mysql|mariadb-client|mysqldump|mysqladmin|client-server)$/.test(last);
}

function listeners(role: LintRole, defaults: Record<string, unknown>): Listener[] {
  const out: Listener[] = [];
  for (const tpl of role.templates.values()) {
    for (const re of DIRECTIVES) {
      for (const m of tpl.text.matchAll(re)) {
        if (inClientSection(tpl.text, m.index!)) continue;
        const value = resolve(m[1]!, defaults);
        if (value === undefined || value.startsWith('unix:') || value.startsWith('/')) continue;
        const hostPort = /^(?:(\[[^\]]*\]|[^:]*):)?(\d+)$/.exec(value);
        if (!hostPort || LOCAL.has(hostPort[1] ?? '')) continue;
        const port = Number(hostPort[2]);
        if (port === 0) continue;
        const before = tpl.text.slice(0, m.index);
        const line = before.split('\n').length;
        out.push({ port, file: tpl.file, line, col: m.index! - before.lastIndexOf('\n') });
      }
    }
  }
  return out;
}

export function portRules(name: string, roles: ReadonlyMap<string, LintRole>): Finding[] {
  const role = roles.get(name)!;
  const deps = [...dependencies(name, roles)].map((d) => roles.get(d)).filter((r): r is LintRole => r !== undefined);
  const defaults: Record<string, unknown> = {};
  for (const r of [...deps].reverse()) for (const [k, v] of Object.entries(r.spec.variables)) if (v.default !== undefined) defaults[k] ??= v.default;
  const declared = new Set(deps.flatMap((r) => r.spec.ports.map((p) => p.port)));
  const found = listeners(role, defaults);
  const out: Finding[] = [];
  const reported = new Set<number>();
  for (const l of found) {
    if (declared.has(l.port) || l.port === 22 || reported.has(l.port)) continue;
    reported.add(l.port);
    out.push(
      finding(
        'ports-mismatch',
        l,
        `Listens on port ${l.port}, which ports: of "${name}" (and the roles it depends on) does not declare: the firewall drops it; declare it with the sources that need it`,
      ),
    );
  }
  return out;
}
