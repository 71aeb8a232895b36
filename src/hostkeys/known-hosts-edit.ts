/**
 * Pure edits of known_hosts text for `wpha hostkeys`: which names a host is recorded under,
 * adding keys, and removing a host's entries for a rotation. Lines that also name other hosts
 * are edited, never dropped; a host matched only through a wildcard is refused (changing that
 * line would change trust for other hosts too). Comments and other hosts' lines are kept as is.
 */
import { entryMatches, hostLookupName, keyTypeOf, parseKnownHosts } from '../transport/known-hosts.js';

export interface HostAddress {
  name: string;
  address: string;
  port: number;
}

/** The names the engine looks a host up by (its address first, then its inventory name). */
export function lookupNames(h: HostAddress): string[] {
  const byAddress = hostLookupName(h.address, h.port);
  const byName = hostLookupName(h.name, h.port);
  return byName === byAddress ? [byAddress] : [byAddress, byName];
}

export function keyLine(names: readonly string[], key: Buffer): string {
  return `${names.join(',')} ${keyTypeOf(key)} ${key.toString('base64')}`;
}

/** `text` with one line per key appended (keeping a final newline). */
export function appendKeys(text: string, names: readonly string[], keys: readonly Buffer[]): string {
  const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return base + keys.map((k) => `${keyLine(names, k)}\n`).join('');
}

export class KnownHostsEditError extends Error {}

/**
 * Removes every plain (non-@revoked, non-@cert-authority) entry for the host. Returns the new
 * text and the removed keys' lines (1-based), or throws when a wildcard entry covers the host.
 */
export function removeHost(text: string, names: readonly string[]): { text: string; lines: number[] } {
  const entries = parseKnownHosts(text).filter((e) => !e.marker && names.some((n) => entryMatches(e, n)));
  const byLine = new Map(entries.map((e) => [e.line, e]));
  const removed: number[] = [];
  const out = text.split('\n').flatMap((raw, i) => {
    const e = byLine.get(i + 1);
    if (!e) return [raw];
    removed.push(i + 1);
    if (e.hashed) return []; // a hashed entry names exactly one host
    const others = e.patterns.filter((p) => !names.some((n) => n.toLowerCase() === p.toLowerCase()));
    const wildcard = others.find((p) => !p.startsWith('!') && /[*?]/.test(p));
    if (wildcard) throw new KnownHostsEditError(`line ${i + 1} trusts this key for "${wildcard}" as well; edit that line by hand`);
    if (others.filter((p) => !p.startsWith('!')).length === 0) return [];
    // Other hosts named on the same line keep the key: only this host's names go.
    return [`${others.join(',')} ${raw.trim().split(/\s+/).slice(1).join(' ')}`];
  });
  return { text: out.join('\n'), lines: removed };
}
