/**
 * Ansible host patterns: an optional `:port` (after a name, an IPv4 address or a [bracketed]
 * IPv6 address) and ranges `[01:10]`, `[1:10:2]`, `[a:f]` (letters in Python's ascii_letters
 * order, a-z then A-Z), several per name, expanded left to right as ansible-core does.
 */
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export type Expanded = { ok: true; hosts: string[]; port?: number } | { ok: false; message: string };

export function expandHostPattern(pattern: string): Expanded {
  let host = pattern;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(pattern);
  // host:port, where the host part has no other ":" outside [ranges] (else it is IPv6).
  const plain = /^((?:[^:[\]]|\[[^\]]*\])+):(\d+)$/.exec(pattern);
  if (bracketed) [, host, port] = [bracketed[0], bracketed[1]!, Number(bracketed[2])];
  else if (plain) [, host, port] = [plain[0], plain[1]!, Number(plain[2])];
  if (pattern.trim().endsWith(':') && port === undefined) return { ok: false, message: `Invalid host pattern "${pattern}": a trailing ":" must be followed by a port` };
  try {
    return { ok: true, hosts: host.includes('[') ? expandRanges(host) : [host], ...(port !== undefined ? { port } : {}) };
  } catch (e) {
    return { ok: false, message: `Invalid host range in "${pattern}": ${(e as Error).message}` };
  }
}

function expandRanges(line: string): string[] {
  const open = line.indexOf('[');
  const close = line.indexOf(']', open);
  if (close < 0) throw new Error('no closing "]"');
  const [head, range, tail] = [line.slice(0, open), line.slice(open + 1, close), line.slice(close + 1)];
  const bounds = range.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new Error('a range is begin:end or begin:end:step');
  const beg = bounds[0] || '0';
  const end = bounds[1]!;
  const step = bounds.length === 3 ? Number(bounds[2]) : 1;
  if (!end) throw new Error('a range needs an end');
  if (!Number.isInteger(step) || step <= 0) throw new Error('the step must be a positive whole number');
  let seq: string[];
  const [ib, ie] = [LETTERS.indexOf(beg), LETTERS.indexOf(end)];
  if (beg.length === 1 && end.length === 1 && ib >= 0 && ie >= 0) {
    if (ib > ie) throw new Error('a range must have begin <= end');
    seq = [];
    for (let i = ib; i <= ie; i += step) seq.push(LETTERS[i]!);
  } else {
    if (!/^\d+$/.test(beg) || !/^\d+$/.test(end)) throw new Error(`"${range}" is neither a number nor a letter range`);
    const width = beg.length > 1 && beg.startsWith('0') ? beg.length : 0;
    if (width && width !== end.length) throw new Error('a zero-padded range needs begin and end of the same length');
    seq = [];
    for (let i = Number(beg); i <= Number(end); i += step) seq.push(width ? String(i).padStart(width, '0') : String(i));
  }
  return seq.flatMap((s) => {
    const name = `${head}${s}${tail}`;
    return name.includes('[') ? expandRanges(name) : [name];
  });
}
