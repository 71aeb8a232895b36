/**
 * Fetches the host keys a server presents, without trusting any of them: one key exchange per
 * key algorithm, each aborted by the host-key check itself (so no login is ever attempted and
 * nothing runs on the host), like ssh-keyscan.
 */
// ssh2's client module alone, as src/transport/ssh.ts loads it (the package index also loads its server).
import Client from 'ssh2/lib/client.js';
import { ConnectError } from '../errors.js';
import { fingerprint, keyTypeOf } from '../transport/known-hosts.js';

export const SCAN_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512'] as const;

export interface PresentedKey {
  type: string;
  key: Buffer;
  fingerprint: string;
}

export interface FetchTarget {
  name: string;
  address: string;
  port: number;
}

/** The key offered for one algorithm, or the error that prevented the exchange. */
function keyFor(t: FetchTarget, algorithm: string, timeoutMs: number): Promise<Buffer | Error> {
  return new Promise((resolve) => {
    const client = new Client();
    let key: Buffer | undefined;
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      client.end();
      resolve(key ?? err ?? new Error('the server closed the connection before offering a host key'));
    };
    client.on('error', finish);
    client.on('close', () => finish());
    client.on('ready', () => finish()); // unreachable: the verifier below always refuses
    client.connect({
      host: t.address,
      port: t.port,
      username: 'wpha-hostkey-scan',
      readyTimeout: timeoutMs,
      algorithms: { serverHostKey: [algorithm as never] },
      hostVerifier: (k: Buffer) => {
        key = Buffer.from(k);
        return false;
      },
    });
  });
}

/** Every distinct key the host offers (ed25519 first). Throws ConnectError when it offers none. */
export async function fetchHostKeys(t: FetchTarget, opts: { timeoutMs: number; algorithms?: readonly string[] }): Promise<PresentedKey[]> {
  const results = await Promise.all((opts.algorithms ?? SCAN_ALGORITHMS).map((a) => keyFor(t, a, opts.timeoutMs)));
  const keys: PresentedKey[] = [];
  for (const r of results) {
    if (r instanceof Error || keys.some((k) => k.key.equals(r))) continue;
    keys.push({ type: keyTypeOf(r), key: r, fingerprint: fingerprint(r) });
  }
  if (keys.length === 0) {
    const errors = results.filter((r): r is Error => r instanceof Error);
    const why = errors.find((e) => !/no matching|handshake/i.test(e.message)) ?? errors[0];
    const kind = /timed out/i.test(why?.message ?? '') ? 'timeout' : (why as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED' ? 'refused' : 'other';
    throw new ConnectError(t.name, kind, `Cannot fetch the host keys of "${t.name}" (${t.address}:${t.port}): ${why?.message ?? 'no key offered'}`);
  }
  return keys;
}

/** `SHA256:abc`, `abc` and `abc=` all name the same fingerprint. */
export function normalizeFingerprint(fp: string): string {
  const body = fp
    .trim()
    .replace(/^SHA256:/i, '')
    .replace(/=+$/, '');
  return `SHA256:${body}`;
}
