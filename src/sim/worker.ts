/**
 * A process serving a share of a simulated fleet (forked by fleet.ts): the hosts' SSH crypto
 * (key exchange, host key signatures) runs here, off the controller's thread, as a real host's
 * would run on its own CPU. Messages: `start` (recording file, client key, hosts) -> `started`
 * (ports and host keys); `counters` -> `counters`; `stop` -> closes everything and exits.
 */
import { readFileSync } from 'node:fs';
import { SimHostServer, type SimHostSpec } from './host-server.js';
import type { Recording } from './recording.js';

type Message = { type: 'start'; recordingFile: string; clientKey: string; hosts: SimHostSpec[] } | { type: 'counters' } | { type: 'stop' };

let server: SimHostServer | undefined;

process.on('message', (m: Message) => {
  void handle(m).catch((e: Error) => {
    process.send?.({ type: 'error', message: e.stack ?? e.message });
  });
});

async function handle(m: Message): Promise<void> {
  if (m.type === 'start') {
    const recording = JSON.parse(readFileSync(m.recordingFile, 'utf8')) as Recording;
    server = new SimHostServer(recording, m.clientKey);
    const hosts = [];
    for (const h of m.hosts) hosts.push(await server.start(h));
    process.send?.({ type: 'started', hosts });
  } else if (m.type === 'counters') {
    process.send?.({ type: 'counters', counters: server?.counters ?? { roundTrips: 0, missing: 0, peakConnections: 0 } });
  } else if (m.type === 'stop') {
    await server?.close();
    process.exit(0);
  }
}

// The fleet process went away: nothing is left behind.
process.on('disconnect', () => process.exit(0));
