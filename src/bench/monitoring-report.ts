/**
 * Pure parts of the monitoring bench: the agent's CPU and memory from two samples of /proc, the
 * receiver's messages, and the printed report.
 */
import { median } from './stats.js';

/** One sample printed by AGENT_SAMPLE: "<utime+stime+cutime+cstime ticks> <CLK_TCK> <VmRSS kB>". */
export const AGENT_SAMPLE = `pid=$(systemctl show -p MainPID --value zabbix-agent2)
set -- $(cut -d' ' -f14-17 /proc/$pid/stat)
echo $(($1 + $2 + $3 + $4)) $(getconf CLK_TCK) $(awk '/^VmRSS:/ { print $2 }' /proc/$pid/status)`;

export interface AgentUsage {
  cpuPercent: number;
  rssKb: number;
}

/** CPU share (of one core) between two samples `seconds` apart, and the RSS of the second. */
export function agentUsage(before: string, after: string, seconds: number): AgentUsage {
  const [t0] = before.trim().split(/\s+/).map(Number);
  const [t1, hz, rss] = after.trim().split(/\s+/).map(Number);
  if (![t0, t1, hz, rss].every((n) => Number.isFinite(n)) || !hz || seconds <= 0) throw new Error(`Cannot read the agent's usage from "${before.trim()}" and "${after.trim()}"`);
  return { cpuPercent: ((t1! - t0!) / hz / seconds) * 100, rssKb: rss! };
}

export interface Message {
  at: number;
  text: string;
}

/** The receiver's record file (one JSON object per line). */
export function parseMessages(text: string): Message[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Message);
}

export interface Fault {
  /** Seconds from stopping the service to the problem message, and from starting it to the recovery message. */
  toProblem: number;
  toRecovery: number;
}

export interface MonitoringFigures {
  interval: string;
  applySeconds: number;
  faults: Fault[];
  agents: Record<string, AgentUsage & { roles: string }>;
  windowSeconds: number;
  findings: string[];
}

const s = (n: number) => `${n.toFixed(1)} s`;

export function renderMonitoringReport(f: MonitoringFigures): string {
  const lines = [`Monitoring bench: items every ${f.interval}, first apply of 2 fresh hosts ${s(f.applySeconds)}`];
  if (f.faults.length) {
    const p = f.faults.map((x) => x.toProblem);
    const r = f.faults.map((x) => x.toRecovery);
    lines.push(`Fault to Telegram message (PHP-FPM stopped, ${f.faults.length} faults): median ${s(median(p))} (${s(Math.min(...p))} .. ${s(Math.max(...p))})`);
    lines.push(`Recovery to message (PHP-FPM started):               median ${s(median(r))} (${s(Math.min(...r))} .. ${s(Math.max(...r))})`);
  }
  lines.push(`Zabbix agent 2 per host (${f.windowSeconds} s window, item scripts included):`);
  for (const [host, a] of Object.entries(f.agents)) lines.push(`  ${host.padEnd(24)} CPU ${a.cpuPercent.toFixed(2)}% of one core, RSS ${(a.rssKb / 1024).toFixed(1)} MB  (${a.roles})`);
  for (const x of f.findings) lines.push(`FINDING: ${x}`);
  return lines.join('\n');
}
