/**
 * known_hosts: the project's record of which host key each host must present. Parsed here
 * (OpenSSH format: plain or hashed host patterns, `[host]:port`, wildcards, negation,
 * `@revoked`), so the engine can check keys strictly and name both fingerprints on a mismatch.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, existsSync, appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export interface KnownHostEntry {
  patterns: string[]; // empty when hashed
  hashed?: { salt: Buffer; hash: Buffer };
  keyType: string;
  key: Buffer; // raw key blob
  marker?: '@revoked' | '@cert-authority';
  line: number;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const parts = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (parts[0] === '@revoked' || parts[0] === '@cert-authority') marker = parts.shift() as KnownHostEntry['marker'];
    const [hosts, keyType, keyB64] = parts;
    if (!hosts || !keyType || !keyB64) return;
    const entry: KnownHostEntry = { patterns: [], keyType, key: Buffer.from(keyB64, 'base64'), line: i + 1, ...(marker ? { marker } : {}) };
    if (hosts.startsWith('|1|')) {
      const [, , salt, hash] = hosts.split('|');
      entry.hashed = { salt: Buffer.from(salt ?? '', 'base64'), hash: Buffer.from(hash ?? '', 'base64') };
    } else {
      entry.patterns = hosts.split(',');
    }
    out.push(entry);
  });
  return out;
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostLookupName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

const globs = new Map<string, RegExp>();
function globToRegExp(glob: string): RegExp {
  let r = globs.get(glob);
  if (!r) {
    const re = glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.');
    globs.set(glob, (r = new RegExp(`^${re}$`, 'i')));
  }
  return r;
}

const isLiteral = (p: string) => !/[*?!]/.test(p);

export function entryMatches(e: KnownHostEntry, name: string): boolean {
  if (e.hashed) {
    const h = createHmac('sha1', e.hashed.salt).update(name).digest();
    return h.equals(e.hashed.hash);
  }
  let matched = false;
  for (const p of e.patterns) {
    if (p.startsWith('!')) {
      if (globToRegExp(p.slice(1)).test(name)) return false;
    } else if (globToRegExp(p).test(name)) matched = true;
  }
  return matched;
}

/** OpenSSH-style fingerprint: `SHA256:<base64 without padding>`. */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type encoded at the start of an SSH public key blob (e.g. `ssh-ed25519`). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

export type HostKeyVerdict =
  | { status: 'match' }
  | { status: 'unknown' }
  | { status: 'revoked'; presented: string }
  | { status: 'mismatch'; presented: string; expected: string[]; file: string; lines: number[] };

export class KnownHosts {
  /**
   * Entries whose patterns are all plain names, by name (lower case): a lookup costs the same for
   * a file of 5,000 hosts as for 5. The others (wildcards, negations, hashed names) are tried one
   * by one (a hashed file costs one HMAC per entry and lookup).
   */
  private readonly byName = new Map<string, KnownHostEntry[]>();
  private readonly others: KnownHostEntry[] = [];
  constructor(
    readonly file: string,
    text?: string,
  ) {
    this.index(parseKnownHosts(text ?? (existsSync(file) ? readFileSync(file, 'utf8') : '')));
  }

  private index(entries: KnownHostEntry[]): void {
    for (const e of entries) {
      if (e.hashed || !e.patterns.every(isLiteral)) {
        this.others.push(e);
        continue;
      }
      for (const p of new Set(e.patterns.map((x) => x.toLowerCase()))) this.byName.set(p, [...(this.byName.get(p) ?? []), e]);
    }
  }

  /** The entries that match one of `names`, in file order. */
  private matching(names: string[]): KnownHostEntry[] {
    const found = new Set<KnownHostEntry>();
    for (const n of names) for (const e of this.byName.get(n.toLowerCase()) ?? []) found.add(e);
    for (const e of this.others) if (names.some((n) => entryMatches(e, n))) found.add(e);
    return [...found].sort((a, b) => a.line - b.line);
  }

  /** Key types on record for a host, to prefer them during key exchange. */
  keyTypesFor(names: string[]): string[] {
    return [
      ...new Set(
        this.matching(names)
          .filter((e) => !e.marker)
          .map((e) => e.keyType),
      ),
    ];
  }

  verify(names: string[], presented: Buffer): HostKeyVerdict {
    const fp = fingerprint(presented);
    const relevant = this.matching(names);
    if (relevant.some((e) => e.marker === '@revoked' && e.key.equals(presented))) return { status: 'revoked', presented: fp };
    const plain = relevant.filter((e) => !e.marker);
    if (plain.some((e) => e.key.equals(presented))) return { status: 'match' };
    if (plain.length === 0) return { status: 'unknown' };
    // A host with a key of another TYPE on record is still a mismatch: a changed server must not be trusted silently.
    return { status: 'mismatch', presented: fp, expected: plain.map((e) => `${e.keyType} ${fingerprint(e.key)}`), file: this.file, lines: plain.map((e) => e.line) };
  }

  /** Record a new key (only with --accept-new-host-keys, or `wpha hostkeys pin`). */
  add(name: string, key: Buffer): void {
    const line = `${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
    mkdirSync(path.dirname(this.file), { recursive: true });
    appendFileSync(this.file, line, { mode: 0o644 });
    this.index(parseKnownHosts(line));
  }
}
