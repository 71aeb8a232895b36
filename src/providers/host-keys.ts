/**
 * A new machine's host key: wait until its sshd answers, check the key it presents against the
 * ones its provider reported out of band (nothing is trusted on first use when the provider can
 * tell), and pin it in the known_hosts the inventory's hosts are checked against.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { fetchHostKeys } from '../hostkeys/fetch.js';
import { appendKeys, lookupNames, removeHost } from '../hostkeys/known-hosts-edit.js';
import { labSshFiles } from '../inventory/connection.js';
import { waitForSsh } from '../lab/host.js';
import { fingerprint, KnownHosts } from '../transport/known-hosts.js';
import { WphaError } from '../errors.js';

export interface PinTarget {
  name: string;
  address: string;
  port: number;
  /** known_hosts file of the inventory's machines. */
  knownHosts: string;
}

const blobOf = (line: string): Buffer => Buffer.from(line.trim().split(/\s+/)[1] ?? '', 'base64');

/** Waits for SSH, checks the presented key, pins it; returns its fingerprint and whether it was trusted on first use. */
export async function waitAndPin(t: PinTarget, reported: string[] | undefined, opts: { timeoutMs: number; log: (s: string) => void }): Promise<{ fingerprint: string; tofu: boolean }> {
  await waitForSsh(t.address, opts.timeoutMs);
  const presented = await fetchHostKeys(t, { timeoutMs: 10_000 });
  let key: Buffer;
  if (reported && reported.length > 0) {
    const known = reported.map(blobOf);
    const match = presented.find((p) => known.some((k) => k.equals(p.key)));
    if (!match) {
      throw new WphaError(
        `Refusing machine "${t.name}" (${t.address}): it presents host key ${presented.map((p) => p.fingerprint).join(', ')}, but its provider reported ${known.map(fingerprint).join(', ')}`,
      );
    }
    key = match.key;
  } else {
    // No out-of-band key: the first key seen is pinned (and said so); later changes are refused.
    key = (presented.find((p) => p.type === 'ssh-ed25519') ?? presented[0]!).key;
    opts.log(`warning: machine "${t.name}": its provider could not report its host key; pinned ${fingerprint(key)} on first use`);
  }
  pin(t, key);
  return { fingerprint: fingerprint(key), tofu: !(reported && reported.length > 0) };
}

/** The lab publishes its hosts' keys in its own known_hosts: there, the key must already be on record. */
const isLabFile = (file: string) => file === labSshFiles(process.env).knownHosts;

export function pin(t: PinTarget, key: Buffer): void {
  const names = lookupNames(t);
  if (isLabFile(t.knownHosts)) {
    const verdict = new KnownHosts(t.knownHosts).verify(names, key);
    if (verdict.status !== 'match') throw new WphaError(`The lab's known_hosts "${t.knownHosts}" does not hold the host key of machine "${t.name}" (${verdict.status})`);
    return;
  }
  const text = existsSync(t.knownHosts) ? readFileSync(t.knownHosts, 'utf8') : '';
  writeAtomic(t.knownHosts, appendKeys(removeHost(text, names).text, names, [key]));
}

/** Forget a destroyed machine's key (its address may be given to another machine later). */
export function unpin(t: PinTarget): void {
  if (isLabFile(t.knownHosts) || !existsSync(t.knownHosts)) return;
  const text = readFileSync(t.knownHosts, 'utf8');
  const next = removeHost(text, lookupNames(t));
  if (next.lines.length) writeAtomic(t.knownHosts, next.text);
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.wpha-tmp`, text, { mode: 0o644 });
  renameSync(`${file}.wpha-tmp`, file);
}
