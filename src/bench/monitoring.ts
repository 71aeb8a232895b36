/**
 * `npm run bench:monitoring`: how fast a fault reaches Telegram through Zabbix, and what the agent
 * costs. Prints figures; asserts nothing.
 *  1. Two fresh hosts of the current lab ($WPHA_LAB_*): "mon" (MariaDB + Zabbix server + agent)
 *     and "web" (PHP-FPM + nginx + agent); the recording receiver that stands in for the
 *     Telegram API on mon (bench/monitoring/telegram-receiver.py); `wpha apply`.
 *  2. Once the server collects the web node's PHP-FPM state: FAULTS times, stop PHP-FPM, time the
 *     problem message; start it, time the recovery message.
 *  3. The agent's CPU (its own and its item scripts') over WINDOW seconds and its RSS, per host.
 *  4. The hosts are destroyed at the end (WPHA_BENCH_KEEP=1 keeps them).
 * Settings: WPHA_BENCH_FAULTS (5), WPHA_BENCH_INTERVAL (5s), WPHA_BENCH_WINDOW (60).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Lab } from '../lab/lab.js';
import { labConfig } from '../lab/config.js';
import { projectRoot } from '../paths.js';
import { runWphaApply } from './run-tools.js';
import { until } from './until.js';
import { runOnHost, type SshTarget } from './stack-load.js';
import { BENCH_VAULT_PASSWORD, RECEIVER_PORT, writeBenchInventory, type MonitoringHosts } from './monitoring-inventory.js';
import { AGENT_SAMPLE, agentUsage, parseMessages, renderMonitoringReport, type MonitoringFigures } from './monitoring-report.js';

const log = (s: string) => console.error(`[bench:monitoring] ${s}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FAULTS = Number(process.env.WPHA_BENCH_FAULTS ?? 5);
const INTERVAL = process.env.WPHA_BENCH_INTERVAL ?? '5s';
const WINDOW = Number(process.env.WPHA_BENCH_WINDOW ?? 60);
const RECORD = '/root/telegram.jsonl';

async function main(): Promise<void> {
  const lab = new Lab(labConfig(), (s) => log(s));
  const tag = randomBytes(3).toString('hex');
  const up = await lab.up([{ name: `bmon-${tag}-1` }, { name: `bmon-${tag}-2` }]);
  const hosts: MonitoringHosts = { mon: { name: up[0]!.name, address: up[0]!.address }, web: { name: up[1]!.name, address: up[1]!.address } };
  const ssh = { key: lab.paths.sshKey, knownHosts: lab.paths.knownHosts };
  const on = (h: { address: string }, script: string, input?: string) =>
    runOnHost({ ...ssh, address: h.address } as SshTarget, input === undefined ? script : `cat > ${script} <<'WPHA_BENCH_EOF'\n${input}\nWPHA_BENCH_EOF\n`, 120_000);
  const work = mkdtempSync(path.join(tmpdir(), 'wpha-bench-monitoring-'));
  const figures: MonitoringFigures = { interval: INTERVAL, applySeconds: NaN, faults: [], agents: {}, windowSeconds: WINDOW, findings: [] };
  try {
    writeBenchInventory(work, hosts, ssh, INTERVAL);
    const benchDir = path.join(projectRoot(), 'bench', 'monitoring');
    await on(hosts.mon, '/root/telegram-receiver.py', readFileSync(path.join(benchDir, 'telegram-receiver.py'), 'utf8'));
    await on(hosts.mon, '/root/zbx-api.py', readFileSync(path.join(benchDir, 'zbx-api.py'), 'utf8'));
    await on(hosts.mon, `systemd-run --unit=telegram-receiver python3 /root/telegram-receiver.py ${RECEIVER_PORT} ${RECORD}`);
    log(`applying on ${hosts.mon.name} and ${hosts.web.name}...`);
    process.env.WPHA_VAULT_PASSWORD = BENCH_VAULT_PASSWORD;
    const applied = await runWphaApply(work, path.join(work, 'cache'));
    figures.applySeconds = applied.ms / 1000;
    if (applied.exitCode !== 0) throw new Error(`apply failed (exit ${applied.exitCode}): ${applied.outcome.errors.join('; ')}\n${applied.stderrTail}`);

    const api = async (method: string, params: unknown) =>
      JSON.parse((await on(hosts.mon, `python3 /root/zbx-api.py ${method} '${JSON.stringify(params)}'`)).stdout || '[]') as { lastvalue?: string }[];
    await until(
      "the server collects the web node's PHP-FPM state",
      () => api('item.get', { host: hosts.web.name, filter: { key_: 'wpha.fpm.state' }, output: ['lastvalue'] }),
      (v) => v[0]?.lastvalue === 'active',
      300,
    );
    const messages = async () => parseMessages((await on(hosts.mon, `cat ${RECORD} 2>/dev/null`)).stdout);
    const problem = `PHP-FPM is down on ${hosts.web.name}`;
    for (let i = 1; i <= FAULTS; i++) {
      const seen = (await messages()).length;
      const t0 = Date.now() / 1000;
      await on(hosts.web, 'systemctl stop php8.2-fpm');
      const down = await until(`problem message ${i}`, messages, (v) => v.slice(seen).some((m) => m.text.startsWith(`Problem: ${problem}`)), 300);
      const t1 = Date.now() / 1000;
      await on(hosts.web, 'systemctl start php8.2-fpm');
      const upMsgs = await until(`recovery message ${i}`, messages, (v) => v.slice(seen).some((m) => m.text.startsWith('Resolved') && m.text.includes(problem)), 300);
      const p = down.slice(seen).find((m) => m.text.startsWith(`Problem: ${problem}`))!;
      const r = upMsgs.slice(seen).find((m) => m.text.startsWith('Resolved') && m.text.includes(problem))!;
      figures.faults.push({ toProblem: p.at - t0, toRecovery: r.at - t1 });
      log(`fault ${i}: problem message after ${(p.at - t0).toFixed(1)} s, recovery after ${(r.at - t1).toFixed(1)} s`);
      await sleep(5000);
    }

    log(`agent usage over ${WINDOW} s...`);
    const roles = { [hosts.mon.name]: 'common, mariadb, zabbix_server, zabbix_agent', [hosts.web.name]: 'common, php_fpm, nginx, zabbix_agent' };
    const before = await Promise.all([hosts.mon, hosts.web].map((h) => on(h, AGENT_SAMPLE)));
    await sleep(WINDOW * 1000);
    const after = await Promise.all([hosts.mon, hosts.web].map((h) => on(h, AGENT_SAMPLE)));
    [hosts.mon, hosts.web].forEach((h, i) => (figures.agents[h.name] = { ...agentUsage(before[i]!.stdout, after[i]!.stdout, WINDOW), roles: roles[h.name]! }));
  } catch (e) {
    figures.findings.push((e as Error).message);
  } finally {
    console.log(renderMonitoringReport(figures));
    if (process.env.WPHA_BENCH_KEEP !== '1') {
      await lab.stop([hosts.mon.name, hosts.web.name], { purge: true });
      rmSync(work, { recursive: true, force: true });
    } else log(`kept: hosts ${hosts.mon.name}, ${hosts.web.name}; inventory ${work}`);
  }
  if (figures.findings.length) process.exitCode = 1;
}

await main();
