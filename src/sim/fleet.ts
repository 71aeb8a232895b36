/**
 * A simulated fleet: `count` stand-in hosts served by a few worker processes (worker.ts), and an
 * inventory that reaches them (group `web` with the web_tier role of bench/web-tier, one host
 * per loopback port, a client key, a known_hosts with every host's own key: strict host-key
 * checking stays on). `inProcess` serves the hosts from this process instead (for tests that
 * start a few hosts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { SimHostServer, type HostCounters, type SimHostAddress, type SimHostSpec } from './host-server.js';
import type { Behaviour } from './behaviour.js';
import type { Recording } from './recording.js';

export interface FleetOptions {
  count: number;
  /** Worker processes serving the hosts (ignored with inProcess). */
  workers: number;
  /** Folder for the inventory, keys and known_hosts (created). */
  dir: string;
  recordingFile: string;
  /** The roles folder the inventory links to (bench/web-tier/roles). */
  rolesDir: string;
  behaviours?: Behaviour[];
  fresh?: boolean;
  inProcess?: boolean;
  /** Host names are `${prefix}${i}` (default "sim-"). */
  prefix?: string;
  /** Extra inventory defaults (e.g. ssh.connect_timeout). */
  defaults?: Record<string, unknown>;
}

export interface Fleet {
  inventoryDir: string;
  hosts: SimHostAddress[];
  counters(): Promise<HostCounters>;
  stop(): Promise<void>;
}

const workerFile = path.join(path.dirname(fileURLToPath(import.meta.url)), `worker${path.extname(fileURLToPath(import.meta.url))}`);

export async function startFleet(o: FleetOptions): Promise<Fleet> {
  mkdirSync(o.dir, { recursive: true });
  const client = SimHostServer.keyPair();
  const keyFile = path.join(o.dir, 'id_ed25519');
  writeFileSync(keyFile, client.private, { mode: 0o600 });
  const specs: SimHostSpec[] = Array.from({ length: o.count }, (_, i) => ({ name: `${o.prefix ?? 'sim-'}${i + 1}`, behaviour: o.behaviours?.[i] ?? { kind: 'normal' }, fresh: Boolean(o.fresh) }));
  const served = o.inProcess ? await serveHere(o, specs, client.public) : await serveInWorkers(o, specs, client.public);
  const byName = new Map(served.hosts.map((h) => [h.name, h]));
  const hosts = specs.map((s) => byName.get(s.name)!);
  const inventoryDir = path.join(o.dir, 'inventory');
  mkdirSync(inventoryDir, { recursive: true });
  const knownHosts = path.join(o.dir, 'known_hosts');
  writeFileSync(knownHosts, hosts.map((h) => `[127.0.0.1]:${h.port} ${h.hostKey}\n`).join(''));
  writeFileSync(path.join(inventoryDir, 'inventory.yaml'), fleetInventoryYaml(hosts, keyFile, knownHosts, o.defaults));
  if (!existsSync(path.join(inventoryDir, 'roles'))) symlinkSync(o.rolesDir, path.join(inventoryDir, 'roles'));
  return { inventoryDir, hosts, counters: served.counters, stop: served.stop };
}

/** inventory.yaml of a simulated fleet. Pure. */
export function fleetInventoryYaml(hosts: readonly SimHostAddress[], keyFile: string, knownHosts: string, defaults: Record<string, unknown> = {}): string {
  const doc = {
    defaults: { user: 'root', ...defaults, ssh: { key: keyFile, known_hosts: knownHosts, ...((defaults.ssh as object) ?? {}) } },
    hosts: Object.fromEntries(hosts.map((h) => [h.name, { address: '127.0.0.1', port: h.port }])),
    groups: { web: { hosts: hosts.map((h) => h.name), roles: ['web_tier'] } },
  };
  return `# A simulated fleet (stand-in hosts answering with recordings of real lab hosts).\n${stringify(doc)}`;
}

async function serveHere(o: FleetOptions, specs: SimHostSpec[], clientKey: string) {
  const server = new SimHostServer(JSON.parse(readFileSync(o.recordingFile, 'utf8')) as Recording, clientKey);
  const hosts: SimHostAddress[] = [];
  for (const s of specs) hosts.push(await server.start(s));
  return { hosts, counters: async () => ({ ...server.counters }), stop: () => server.close() };
}

async function serveInWorkers(o: FleetOptions, specs: SimHostSpec[], clientKey: string) {
  const n = Math.max(1, Math.min(o.workers, specs.length));
  const children: ChildProcess[] = [];
  const ask = <T>(c: ChildProcess, msg: object, reply: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const on = (m: { type: string; message?: string }) => {
        if (m.type === 'error') reject(new Error(`Simulated hosts' worker failed: ${m.message}`));
        else if (m.type === reply) resolve(m as T);
        else return;
        c.off('message', on);
      };
      c.on('message', on);
      c.send(msg);
    });
  try {
    const shares = Array.from({ length: n }, (_, w) => specs.filter((_, i) => i % n === w));
    const started = await Promise.all(
      shares.map((hosts) => {
        const c = fork(workerFile, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(c);
        return ask<{ hosts: SimHostAddress[] }>(c, { type: 'start', recordingFile: o.recordingFile, clientKey, hosts }, 'started');
      }),
    );
    return {
      hosts: started.flatMap((s) => s.hosts),
      counters: async () => {
        const all = await Promise.all(children.map((c) => ask<{ counters: HostCounters }>(c, { type: 'counters' }, 'counters')));
        // peakConnections: the sum of each process's peak, an upper bound of the fleet's.
        return all.reduce((a, b) => ({ roundTrips: a.roundTrips + b.counters.roundTrips, missing: a.missing + b.counters.missing, peakConnections: a.peakConnections + b.counters.peakConnections }), {
          roundTrips: 0,
          missing: 0,
          peakConnections: 0,
        });
      },
      stop: async () => {
        await Promise.all(children.map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : (c.once('exit', () => r()), c.send({ type: 'stop' }))))));
      },
    };
  } catch (e) {
    for (const c of children) c.kill();
    throw e;
  }
}
