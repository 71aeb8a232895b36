/**
 * `wpha hostkeys scan|pin|rotate`: manage the project's known_hosts, the record of which host key
 * each host must present. The engine itself never trusts a key it has not been told about
 * (except with --accept-new-host-keys), and refuses a changed key naming both fingerprints; these
 * commands are how an operator tells it. Every write replaces the file atomically.
 */
import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import type { HostSpec, Inventory } from '../model.js';
import { selectHosts } from '../engine/limit.js';
import { entryMatches, fingerprint, keyTypeOf, parseKnownHosts } from '../transport/known-hosts.js';
import { commitAll, realFs, type CommitFs } from '../vault/commit.js';
import { fetchHostKeys, normalizeFingerprint, type PresentedKey } from './fetch.js';
import { appendKeys, KnownHostsEditError, lookupNames, removeHost } from './known-hosts-edit.js';

export interface HostkeysIO {
  out: (s: string) => void;
  err: (s: string) => void;
  fetch?: typeof fetchHostKeys;
  fs?: CommitFs;
}

type Verdict = 'pinned' | 'not pinned' | 'DIFFERS from known_hosts' | 'revoked';

function readText(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** The plain entries recorded for a host in `text`: key type and fingerprint. */
export function recordedKeys(text: string, names: readonly string[]): { type: string; fingerprint: string; line: number; revoked: boolean }[] {
  return parseKnownHosts(text)
    .filter((e) => e.marker !== '@cert-authority' && names.some((n) => entryMatches(e, n)))
    .map((e) => ({ type: e.keyType, fingerprint: fingerprint(e.key), line: e.line, revoked: e.marker === '@revoked' }));
}

function hostOf(inv: Inventory, name: string): HostSpec {
  const h = inv.hosts.get(name);
  if (!h) throw new UserError(`No host "${name}" in inventory "${inv.name}"`);
  return h;
}

function write(file: string, text: string, io: HostkeysIO): void {
  commitAll([{ file, text }], io.fs ?? realFs, 0o644);
}

export async function hostkeysScan(inv: Inventory, o: { limit?: string; pin?: boolean }, io: HostkeysIO): Promise<number> {
  const fetch = io.fetch ?? fetchHostKeys;
  const hosts = selectHosts(inv, o.limit).map((n) => hostOf(inv, n));
  const results = await Promise.all(
    hosts.map(async (h) => {
      if (h.ssh.proxyJump) return { h, error: `behind proxy_jump "${h.ssh.proxyJump}": scanning through a bastion is not supported; check the key on the host and use \`wpha hostkeys pin\`` };
      try {
        return { h, keys: await fetch(h, { timeoutMs: h.ssh.connectTimeoutMs }) };
      } catch (e) {
        return { h, error: (e as Error).message };
      }
    }),
  );
  let problems = 0;
  const toPin = new Map<string, { names: string[]; keys: Buffer[] }[]>();
  for (const r of results) {
    const where = `${r.h.name} (${r.h.address}:${r.h.port})`;
    if (!r.keys) {
      problems++;
      io.out(`${where}: ${r.error}\n`);
      continue;
    }
    const names = lookupNames(r.h);
    const recorded = recordedKeys(readText(r.h.ssh.knownHosts), names);
    const verdict = (k: PresentedKey): Verdict =>
      recorded.some((x) => x.revoked && x.fingerprint === k.fingerprint)
        ? 'revoked'
        : recorded.some((x) => !x.revoked && x.fingerprint === k.fingerprint)
          ? 'pinned'
          : recorded.some((x) => !x.revoked)
            ? 'DIFFERS from known_hosts'
            : 'not pinned';
    for (const k of r.keys) io.out(`${where}: ${k.type} ${k.fingerprint} ${verdict(k)}\n`);
    const live = recorded.filter((x) => !x.revoked);
    if (live.length && !r.keys.some((k) => verdict(k) === 'pinned')) {
      problems++;
      io.out(
        `${where}: presents none of the recorded keys (${live.map((x) => `${x.type} ${x.fingerprint}`).join(', ')}): if the host was rebuilt, check its new key out of band and run \`wpha hostkeys rotate ${r.h.name} --fingerprint ...\`\n`,
      );
    } else if (o.pin && live.length === 0) {
      const list = toPin.get(r.h.ssh.knownHosts) ?? [];
      list.push({ names, keys: r.keys.filter((k) => verdict(k) === 'not pinned').map((k) => k.key) });
      toPin.set(r.h.ssh.knownHosts, list);
    }
  }
  for (const [file, entries] of toPin) {
    let text = readText(file);
    for (const e of entries) text = appendKeys(text, e.names, e.keys);
    write(file, text, io);
    io.out(`Pinned ${entries.reduce((n, e) => n + e.keys.length, 0)} key(s) of ${entries.length} host(s) in ${file}\n`);
  }
  if (!o.pin && results.some((r) => r.keys && recordedKeys(readText(r.h.ssh.knownHosts), lookupNames(r.h)).length === 0)) {
    io.err('Compare the fingerprints with what the hosts show (e.g. on their console), then run again with --pin.\n');
  }
  return problems ? 1 : 0;
}

/** Parses `TYPE BASE64 [comment]` (as in a .pub file) into a key blob. */
export function parsePublicKey(text: string): Buffer {
  const [type, b64] = text.trim().split(/\s+/);
  if (!type || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
    throw new UserError(`Expected a public key as "TYPE BASE64" (e.g. the line of /etc/ssh/ssh_host_ed25519_key.pub), found "${text.trim().slice(0, 40)}"`);
  const blob = Buffer.from(b64, 'base64');
  if (keyTypeOf(blob) !== type) throw new UserError(`The key says it is "${type}" but its data is a "${keyTypeOf(blob)}" key`);
  return blob;
}

export async function hostkeysPin(inv: Inventory, o: { host: string; key: string }, io: HostkeysIO): Promise<void> {
  const h = hostOf(inv, o.host);
  const keyText = !/\s/.test(o.key.trim()) && existsSync(o.key) ? readFileSync(o.key, 'utf8') : o.key;
  const blob = parsePublicKey(keyText);
  const names = lookupNames(h);
  const text = readText(h.ssh.knownHosts);
  const recorded = recordedKeys(text, names);
  const fp = fingerprint(blob);
  if (recorded.some((x) => x.revoked && x.fingerprint === fp)) throw new UserError(`Key ${fp} is revoked in ${h.ssh.knownHosts}; not pinned`);
  if (recorded.some((x) => !x.revoked && x.fingerprint === fp)) return io.out(`${h.name}: ${keyTypeOf(blob)} ${fp} is already pinned in ${h.ssh.knownHosts}\n`);
  const sameType = recorded.find((x) => !x.revoked && x.type === keyTypeOf(blob));
  if (sameType)
    throw new UserError(
      `${h.ssh.knownHosts} line ${sameType.line} records another ${sameType.type} key for "${h.name}" (${sameType.fingerprint}); to replace it run \`wpha hostkeys rotate ${h.name} --fingerprint ${fp}\``,
    );
  write(h.ssh.knownHosts, appendKeys(text, names, [blob]), io);
  io.out(`${h.name}: pinned ${keyTypeOf(blob)} ${fp} in ${h.ssh.knownHosts}\n`);
}

export async function hostkeysRotate(inv: Inventory, o: { host: string; fingerprint: string }, io: HostkeysIO): Promise<void> {
  const h = hostOf(inv, o.host);
  if (h.ssh.proxyJump) throw new UserError(`Host "${h.name}" is behind proxy_jump: rotating through a bastion is not supported; check the key on the host and edit ${h.ssh.knownHosts}`);
  const wanted = normalizeFingerprint(o.fingerprint);
  const presented = await (io.fetch ?? fetchHostKeys)(h, { timeoutMs: h.ssh.connectTimeoutMs });
  const match = presented.find((k) => k.fingerprint === wanted);
  if (!match) {
    throw new UserError(`Host "${h.name}" (${h.address}:${h.port}) does not present ${wanted}; it presents ${presented.map((k) => `${k.type} ${k.fingerprint}`).join(', ')}. Nothing was changed.`);
  }
  const names = lookupNames(h);
  const text = readText(h.ssh.knownHosts);
  const before = recordedKeys(text, names).filter((x) => !x.revoked);
  let next: string;
  try {
    next = appendKeys(removeHost(text, names).text, names, [match.key]);
  } catch (e) {
    if (e instanceof KnownHostsEditError) throw new UserError(`Cannot rotate the key of "${h.name}" in ${h.ssh.knownHosts}: ${e.message}`);
    throw e;
  }
  write(h.ssh.knownHosts, next, io);
  const was = before.length ? before.map((x) => `${x.type} ${x.fingerprint}`).join(', ') : 'nothing recorded';
  io.out(`${h.name}: host key rotated in ${h.ssh.knownHosts}: was ${was}; now ${match.type} ${match.fingerprint}\n`);
}
