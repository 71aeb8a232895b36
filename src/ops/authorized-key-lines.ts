/**
 * Pure handling of authorized_keys lines for the `authorized_key` op: validation of a public
 * key line (optional options, type, base64 blob, optional comment) and the edit of a file's text.
 * A key's identity is its blob: the same key with other options or another comment is the same
 * key, and its line is replaced rather than duplicated.
 */

export const KEY_TYPES = [
  'ssh-ed25519',
  'ssh-rsa',
  'ssh-dss',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
] as const;

const OPTION = String.raw`[A-Za-z0-9-]+(?:="(?:[^"\\]|\\.)*")?`;
const TYPE = KEY_TYPES.map((t) => t.replace(/[.@]/g, (c) => `\\${c}`)).join('|');
const LINE = new RegExp(String.raw`^(?:(${OPTION}(?:,${OPTION})*)\s+)?(${TYPE})\s+([A-Za-z0-9+/]+={0,3})(?:\s+(.*))?$`);

export interface KeyLine {
  options?: string;
  type: string;
  blob: string;
  comment?: string;
  /** Canonical text: single spaces between the parts. */
  text: string;
}

/** Parses one line; returns an error message for anything that is not a usable public key. */
export function parseKeyLine(raw: string): KeyLine | { error: string } {
  if (/[\r\n]/.test(raw)) return { error: 'a key must be one line (no newlines)' };
  const m = LINE.exec(raw.trim());
  if (!m) return { error: `expected "[options] TYPE BASE64 [comment]" with TYPE one of ${KEY_TYPES.join(', ')}` };
  const [, options, type, blob, comment] = m as unknown as [string, string | undefined, string, string, string | undefined];
  // The blob is a sequence of length-prefixed fields starting with its own type name: this
  // catches keys truncated or damaged when pasted, and a type that does not match the blob.
  const fields = sshFields(Buffer.from(blob, 'base64'));
  if (!fields || fields.length < 2 || fields[0]!.toString('latin1') !== type || (type === 'ssh-ed25519' && fields[1]!.length !== 32))
    return { error: `the base64 part is not a ${type} public key (truncated or mixed up?)` };
  const text = [options, type, blob, comment?.trim() || undefined].filter(Boolean).join(' ');
  return { ...(options ? { options } : {}), type, blob, ...(comment?.trim() ? { comment: comment.trim() } : {}), text };
}

/** Splits SSH wire-format data into its uint32-length-prefixed fields; null unless it parses exactly. */
function sshFields(bytes: Buffer): Buffer[] | null {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) return null;
    const len = bytes.readUInt32BE(at);
    if (at + 4 + len > bytes.length) return null;
    out.push(bytes.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return out;
}

export function isKeyLine(k: KeyLine | { error: string }): k is KeyLine {
  return !('error' in k);
}

/** Short human name of a key: `ssh-ed25519 …a1b2c3d4 deploy@ci`. */
export function describeKey(k: KeyLine): string {
  return `${k.type} …${k.blob.slice(-8)}${k.comment ? ` ${k.comment}` : ''}`;
}

export interface KeysEdit {
  text: string;
  /** Human lines: `add key …`, `replace key …`, `remove key …`. */
  actions: string[];
}

function blobOf(line: string): string | undefined {
  const k = parseKeyLine(line);
  return isKeyLine(k) ? k.blob : undefined;
}

/**
 * present: each wanted key ends up exactly once, as given (other lines kept; new keys appended).
 * present + exclusive: the file holds exactly the wanted keys, in order.
 * absent: every line holding one of the keys is removed.
 */
export function editKeys(old: string, wanted: KeyLine[], mode: 'present' | 'exclusive' | 'absent'): KeysEdit {
  const lines = old === '' ? [] : old.replace(/\n$/, '').split('\n');
  const actions: string[] = [];
  const wantedBlobs = new Set(wanted.map((k) => k.blob));
  if (mode === 'absent') {
    const kept = lines.filter((l) => {
      const b = blobOf(l);
      return !(b && wantedBlobs.has(b));
    });
    for (const k of wanted) if (lines.some((l) => blobOf(l) === k.blob)) actions.push(`remove key ${describeKey(k)}`);
    return { text: kept.length ? `${kept.join('\n')}\n` : '', actions };
  }
  if (mode === 'exclusive') {
    for (const l of lines) {
      const k = parseKeyLine(l);
      if (isKeyLine(k) && !wantedBlobs.has(k.blob)) actions.push(`remove key ${describeKey(k)}`);
      else if (!isKeyLine(k) && l.trim() !== '') actions.push(`remove line "${l.length > 40 ? `${l.slice(0, 37)}...` : l}"`);
    }
  }
  const out = mode === 'exclusive' ? [] : [...lines];
  for (const k of wanted) {
    const at = out.findIndex((l) => blobOf(l) === k.blob);
    const before = mode === 'exclusive' ? lines.find((l) => blobOf(l) === k.blob) : out[at];
    if (mode === 'exclusive') out.push(k.text);
    else if (at < 0) out.push(k.text);
    else {
      out[at] = k.text;
      // Drop later duplicates of the same key.
      for (let i = out.length - 1; i > at; i--) if (blobOf(out[i]!) === k.blob) out.splice(i, 1);
    }
    if (before === undefined) actions.push(`add key ${describeKey(k)}`);
    else if (before.trim().split(/\s+/).join(' ') !== k.text) actions.push(`replace key ${describeKey(k)} (options or comment differ)`);
  }
  return { text: out.length ? `${out.join('\n')}\n` : '', actions };
}
