/**
 * Simulated hosts served by one process: each is a real SSH server (ssh2's server side) on its
 * own loopback port with its own host key, accepting the controller's public key. A round-trip
 * script on an exec channel is answered item by item from answers recorded on real hosts
 * (recording.ts); the first script of a locked run is answered when its text is complete and
 * keeps its channel until its stdin ends, as a real host's shell holding the lock does.
 * Behaviours (behaviour.ts) make a host slow, silent, hanging or dropping. Nothing here runs a
 * command: a stand-in, said so wherever its figures are printed.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ServerChannel } from 'ssh2';
import { timingSafeEqual } from 'node:crypto';
import { HOLDING_SCRIPT_END, parseScript } from './script-items.js';
import { answerScript, tripFor, type Recording } from './recording.js';
import type { Behaviour } from './behaviour.js';

const { Server, utils } = ssh2;

export interface SimHostSpec {
  name: string;
  behaviour: Behaviour;
  /** Answer the first round trips as a fresh host would (a first apply), then as a converged one. */
  fresh: boolean;
}

export interface SimHostAddress {
  name: string;
  port: number;
  /** `ssh-ed25519 AAAA...` of this host, for known_hosts. */
  hostKey: string;
}

export interface HostCounters {
  roundTrips: number;
  /** Items answered with NO_RECORDING (the recording lacks them). */
  missing: number;
  /** Most SSH connections open at once on this process's hosts. */
  peakConnections: number;
}

type Closeable = { close(cb?: () => void): unknown };

export class SimHostServer {
  /** ed25519 key pairs ssh2 can parse back (see hostKeyPair). */
  static keyPair = (): { private: string; public: string } => hostKeyPair();
  private readonly servers: Closeable[] = [];
  private readonly sockets = new Set<Socket>();
  readonly counters: HostCounters = { roundTrips: 0, missing: 0, peakConnections: 0 };
  private open = 0;

  constructor(
    private readonly recording: Recording,
    private readonly clientKey: string,
  ) {}

  async start(spec: SimHostSpec): Promise<SimHostAddress> {
    const keys = hostKeyPair();
    const hostKey = keys.public.split(' ').slice(0, 2).join(' ');
    if (spec.behaviour.kind === 'silent') {
      const srv: NetServer = createServer((s) => this.track(s)); // accepts, never speaks
      this.keep(srv);
      return { name: spec.name, port: await listen(srv), hostKey };
    }
    const allowed = utils.parseKey(this.clientKey);
    if (allowed instanceof Error) throw allowed;
    const state = { trips: 0 };
    const srv = new Server({ hostKeys: [keys.private] }, (client: Connection) => {
      client.on('error', () => {});
      this.counters.peakConnections = Math.max(this.counters.peakConnections, ++this.open);
      client.on('close', () => this.open--);
      client.on('authentication', (ctx) => {
        if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type || !timingSafeEqual(ctx.key.data, allowed.getPublicSSH())) return ctx.reject(['publickey']);
        if (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
        ctx.accept();
      });
      client.on('ready', () => {
        client.on('session', (accept) => {
          const session = accept();
          session.on('exec', (acceptExec) => this.serveExec(acceptExec(), client, spec, state));
        });
      });
    });
    this.keep(srv);
    (srv as unknown as { _srv: NetServer })._srv.on('connection', (s: Socket) => this.track(s));
    return { name: spec.name, port: await listen(srv as unknown as NetServer), hostKey };
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => this.sockets.delete(s));
  }

  private serveExec(channel: ServerChannel, client: Connection, spec: SimHostSpec, state: { trips: number }): void {
    let input = '';
    let answered = false;
    channel.on('error', () => {});
    channel.on('data', (d: Buffer) => {
      input += d.toString('utf8');
      // The first script of a locked run keeps its stdin open for the whole run (it holds the
      // host lock): answer once its text is complete, end the channel when its stdin ends.
      if (!answered && input.endsWith(HOLDING_SCRIPT_END)) {
        answered = true;
        this.answer(channel, client, spec, state, input, false);
      }
    });
    channel.on('end', () => {
      if (answered) return finish(channel, '', 0);
      this.answer(channel, client, spec, state, input, true);
    });
  }

  /** Answers a round trip from the recording, as the host's behaviour says; `end`: the channel ends with it. */
  private answer(channel: ServerChannel, client: Connection, spec: SimHostSpec, state: { trips: number }, input: string, end: boolean): void {
    const parsed = parseScript(input);
    if (parsed.kind !== 'round-trip') return finish(channel, '', 0, 'simulated host: only wpha round-trip scripts are answered\n', 127);
    const n = state.trips++;
    this.counters.roundTrips++;
    const b = spec.behaviour;
    if (b.kind === 'hang' && n >= b.afterTrips) return; // never answers; the connection stays up
    const { stdout, missing } = answerScript(parsed, tripFor(this.recording, spec.fresh, n));
    this.counters.missing += missing;
    if (b.kind === 'drop' && n >= b.afterTrips) {
      channel.write(stdout.slice(0, Math.floor(stdout.length / 2)));
      setImmediate(() => (client as unknown as { _sock: Socket })._sock?.destroy());
      return;
    }
    const send = () => (end ? finish(channel, stdout, 0) : channel.write(stdout));
    if (b.kind === 'slow') setTimeout(send, b.delayMs);
    else send();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  /** Keeps a server to close at the end. */
  keep(s: Closeable): void {
    this.servers.push(s);
  }
}

/**
 * A new ed25519 host key. ssh2's generator now and then writes a private key its own parser
 * refuses ("Malformed OpenSSH private key", about one in a thousand here): such a key is drawn again.
 */
function hostKeyPair(): { private: string; public: string } {
  for (;;) {
    const keys = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(keys.private) instanceof Error)) return keys;
  }
}

function finish(channel: ServerChannel, stdout: string, code: number, stderr = '', errCode?: number): void {
  if (stdout) channel.write(stdout);
  if (stderr) channel.stderr.write(stderr);
  channel.exit(errCode ?? code);
  channel.end();
}

function listen(srv: NetServer): Promise<number> {
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port));
  });
}
