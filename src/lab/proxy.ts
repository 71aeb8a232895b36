/**
 * The package proxy: tinyproxy on the bridge address, usable only from the lab subnet, and only
 * towards the Debian mirror's hosts (everything else is denied), so lab hosts can install
 * packages and reach nothing else.
 */
import { writeFileSync, readFileSync, mkdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { LabConfig } from './config.js';
import { bridgeAddress, subnetCidr, labPaths } from './config.js';
import { startDetached, isOurProcess, stopProcess } from './process.js';

function files(c: LabConfig) {
  const dir = labPaths(c).proxyDir;
  return { dir, conf: path.join(dir, 'tinyproxy.conf'), filter: path.join(dir, 'allowed-hosts'), pid: path.join(dir, 'pid'), log: path.join(dir, 'tinyproxy.log') };
}

export function proxyUrl(c: LabConfig): string {
  return `http://${bridgeAddress(c)}:${c.proxyPort}`;
}

export function allowedProxyHosts(c: LabConfig): string[] {
  const mirrorHost = new URL(c.mirror).hostname;
  return [...new Set([mirrorHost, 'deb.debian.org', 'security.debian.org'])];
}

export function renderProxyConfig(c: LabConfig): string {
  const f = files(c);
  return [
    `Port ${c.proxyPort}`,
    `Listen ${bridgeAddress(c)}`,
    'Timeout 600',
    'MaxClients 200',
    `Allow ${subnetCidr(c)}`,
    // Only plain HTTP to the mirror: no CONNECT tunnels at all (ConnectPort with a port nobody uses).
    'ConnectPort 1',
    `Filter "${f.filter}"`,
    'FilterURLs Off',
    'FilterType ere',
    'FilterDefaultDeny Yes',
    'DisableViaHeader Yes',
    'LogLevel Warning',
    `LogFile "${f.log}"`,
    '',
  ].join('\n');
}

export function proxyRunning(c: LabConfig): boolean {
  return isOurProcess(readPid(c), files(c).conf);
}

export async function ensureProxy(c: LabConfig): Promise<'started' | 'running'> {
  const f = files(c);
  if (proxyRunning(c)) return 'running';
  mkdirSync(f.dir, { recursive: true });
  writeFileSync(f.filter, allowedProxyHosts(c).map((h) => `^${h.replaceAll('.', '\\.')}$`).join('\n') + '\n');
  writeFileSync(f.conf, renderProxyConfig(c));
  const pid = startDetached('tinyproxy', ['-d', '-c', f.conf], f.log);
  writeFileSync(f.pid, `${pid}\n`);
  await waitForPort(bridgeAddress(c), c.proxyPort, 5000, f.log);
  return 'started';
}

export async function stopProxy(c: LabConfig): Promise<boolean> {
  const result = await stopProcess(readPid(c), files(c).conf, { timeoutMs: 5000 });
  return result !== 'not-running';
}

function readPid(c: LabConfig): number | undefined {
  const p = files(c).pid;
  if (!existsSync(p)) return undefined;
  const n = Number(readFileSync(p, 'utf8').trim());
  return Number.isInteger(n) ? n : undefined;
}

async function waitForPort(host: string, port: number, timeoutMs: number, log: string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`The lab package proxy did not start listening on ${host}:${port} (see ${log})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
