/**
 * `node dist/sim/record.js --address A --key K --known-hosts F [--port P] [--out FILE]`: records
 * the answers of a real, FRESH lab host for the fleet simulation (see docs/fleet-sim.md).
 *
 * A relay on loopback (an SSH server with a key of its own) stands between bin/wpha and the real
 * host: every exec channel is forwarded as is to the host (checked against the lab's known_hosts)
 * and both directions are copied. wpha applies the web-tier role three times through it: a first
 * apply (the fresh round trips, in order), a no-op with the caches that run left (facts and file
 * texts known), a no-op with empty caches (facts first, whole file texts), and one more with the
 * caches that no-op left (the texts of the converged files known). The items of those
 * round trips are written, keyed by their fragments' sha256, to the recording (recording.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import ssh2 from 'ssh2';
import type { ClientChannel, Connection, ServerChannel } from 'ssh2';
import { stringify } from 'yaml';
import { KnownHosts, hostLookupName } from '../transport/known-hosts.js';
import { projectRoot } from '../paths.js';
import { mergeTrip, recordTrip, type Recording, type RecordedTrip } from './recording.js';
import { parseScript } from './script-items.js';

const { Client, Server, utils } = ssh2;

interface Exchange {
  stdin: string;
  stdout: string;
}

const { values: args } = parseArgs({
  options: { address: { type: 'string' }, port: { type: 'string', default: '22' }, key: { type: 'string' }, 'known-hosts': { type: 'string' }, out: { type: 'string' } },
});
if (!args.address || !args.key || !args['known-hosts']) {
  process.stderr.write('usage: node dist/sim/record.js --address A --key KEYFILE --known-hosts FILE [--port 22] [--out src/sim/fixtures/web-tier.json]\n');
  process.exit(64);
}
const root = projectRoot();
const out = args.out ?? path.join(root, 'src', 'sim', 'fixtures', 'web-tier.json');
const upstreamPort = Number(args.port);
const known = new KnownHosts(args['known-hosts']);
const exchanges: Exchange[] = [];

function upstream(): Promise<InstanceType<typeof Client>> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    c.once('ready', () => resolve(c)).once('error', reject);
    c.connect({
      host: args.address,
      port: upstreamPort,
      username: 'root',
      privateKey: readFileSync(args.key!),
      hostVerifier: (key: Buffer) => known.verify([hostLookupName(args.address!, upstreamPort)], key).status === 'match',
    });
  });
}

function relay(inbound: ServerChannel, up: InstanceType<typeof Client>, command: string): void {
  const ex: Exchange = { stdin: '', stdout: '' };
  up.exec(command, (err, ch: ClientChannel) => {
    if (err) {
      inbound.stderr.write(`relay: ${err.message}\n`);
      inbound.exit(255);
      inbound.end();
      return;
    }
    inbound.on('data', (d: Buffer) => ((ex.stdin += d.toString('utf8')), ch.write(d)));
    inbound.on('end', () => ch.end());
    ch.on('data', (d: Buffer) => ((ex.stdout += d.toString('utf8')), inbound.write(d)));
    ch.stderr.on('data', (d: Buffer) => inbound.stderr.write(d));
    ch.on('exit', (code: number | null) => inbound.exit(code ?? 255));
    ch.on('close', () => {
      exchanges.push(ex);
      inbound.end();
    });
  });
}

async function startRelay(clientPublicKey: string): Promise<{ port: number; hostKey: string; close: () => void }> {
  const keys = utils.generateKeyPairSync('ed25519');
  const allowed = utils.parseKey(clientPublicKey);
  if (allowed instanceof Error) throw allowed;
  const srv = new Server({ hostKeys: [keys.private] }, (client: Connection) => {
    client.on('error', () => {});
    client.on('authentication', (ctx) => (ctx.method === 'publickey' && ctx.key.data.equals(allowed.getPublicSSH()) ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('ready', () => {
      // One upstream connection per inbound one; channels wait for it (listeners are set at once:
      // a session request that finds none is refused).
      const up = upstream();
      client.on(
        'close',
        () =>
          void up.then(
            (c) => c.end(),
            () => {},
          ),
      );
      client.on('session', (accept) => accept().on('exec', (acc, _rej, info) => void up.then((c) => relay(acc(), c, info.command))));
    });
  });
  const port = await new Promise<number>((r) => srv.listen(0, '127.0.0.1', () => r((srv.address() as { port: number }).port)));
  return { port, hostKey: keys.public.split(' ').slice(0, 2).join(' '), close: () => srv.close() };
}

async function applyThroughRelay(inventoryDir: string, cacheHome: string, label: string): Promise<RecordedTrip[]> {
  const from = exchanges.length;
  process.stderr.write(`record: ${label}...\n`);
  // Asynchronously: the relay answers in this same process.
  const child = spawn('node', [path.join(root, 'bin', 'wpha'), 'apply', '-i', inventoryDir], { env: { ...process.env, XDG_CACHE_HOME: cacheHome, CI: '1' }, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`wpha apply through the relay exited with ${code} (${label})`);
  return exchanges
    .slice(from)
    .filter((e) => parseScript(e.stdin).kind === 'round-trip')
    .map((e) => recordTrip(e.stdin, e.stdout));
}

const work = mkdtempSync(path.join(tmpdir(), 'wpha-sim-record-'));
try {
  const client = utils.generateKeyPairSync('ed25519');
  const relayServer = await startRelay(client.public);
  writeFileSync(path.join(work, 'id_ed25519'), client.private, { mode: 0o600 });
  writeFileSync(path.join(work, 'known_hosts'), `[127.0.0.1]:${relayServer.port} ${relayServer.hostKey}\n`);
  const inv = path.join(work, 'inventory');
  mkdirSync(inv);
  symlinkSync(path.join(root, 'bench', 'web-tier', 'roles'), path.join(inv, 'roles'));
  const doc = {
    defaults: { user: 'root', ssh: { key: path.join(work, 'id_ed25519'), known_hosts: path.join(work, 'known_hosts') } },
    hosts: { recorded: { address: '127.0.0.1', port: relayServer.port } },
    groups: { web: { hosts: ['recorded'], roles: ['web_tier'] } },
  };
  writeFileSync(path.join(inv, 'inventory.yaml'), stringify(doc));
  const fresh = await applyThroughRelay(inv, path.join(work, 'cache-1'), 'first apply on the fresh host');
  const warm = await applyThroughRelay(inv, path.join(work, 'cache-1'), 'no-op, caches of the first apply');
  const cold = await applyThroughRelay(inv, path.join(work, 'cache-2'), 'no-op, empty caches');
  const again = await applyThroughRelay(inv, path.join(work, 'cache-2'), 'no-op, caches of a no-op');
  relayServer.close();
  const converged = [...warm, ...cold, ...again].reduce(mergeTrip, { applies: {}, probes: {} } as RecordedTrip);
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const rec: Recording = {
    source: `web_tier role (bench/web-tier) applied by wpha ${version} to a fresh Debian 12 lab host (${args.address}), recorded ${new Date().toISOString().slice(0, 10)}`,
    fresh,
    converged,
  };
  writeFileSync(out, `${JSON.stringify(rec, null, 1)}\n`);
  process.stderr.write(`record: ${fresh.length} fresh round trip(s), ${Object.keys(converged.probes).length} converged probe answers -> ${path.relative(process.cwd(), out)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
