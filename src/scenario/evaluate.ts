/**
 * Judging a check from what its probe printed (checks.ts), on the controller. Pure: tested from
 * recorded outputs. A failure says what was expected and what was found, shortened.
 */
import { decode, parseLines } from './checks.js';
import type { Check } from './schema.js';

export interface Verdict {
  ok: boolean;
  /** Why it failed (empty when ok). */
  problems: string[];
}

const show = (s: string, max = 160): string => {
  const one = s.trim().replace(/\s+/g, ' ');
  return `"${one.length > max ? `${one.slice(0, max)}...` : one}"`;
};

const matches = (pattern: string, text: string): boolean => new RegExp(pattern, 'm').test(text);

export function evaluateCheck(check: Check, probe: { stdout: string; rc: number } | undefined): Verdict {
  if (!probe) return { ok: false, problems: ['the check did not run (no result came back)'] };
  const f = parseLines(probe.stdout);
  const one = (k: string) => f.get(k)?.[0];
  const problems: string[] = [];
  if (check.command) {
    const c = check.command;
    const rc = Number(one('rc'));
    const stdout = decode(one('stdout'));
    const stderr = decode(one('stderr'));
    if (rc === 124) problems.push('the command did not end within 120 s');
    else if (rc !== (c.exit ?? 0)) problems.push(`expected exit ${c.exit ?? 0}, got ${rc}${stderr.trim() ? ` (stderr ${show(stderr)})` : ''}`);
    if (c.stdout !== undefined && !matches(c.stdout, stdout)) problems.push(`stdout does not match /${c.stdout}/: ${show(stdout)}`);
    if (c.stderr !== undefined && !matches(c.stderr, stderr)) problems.push(`stderr does not match /${c.stderr}/: ${show(stderr)}`);
  } else if (check.http) {
    const h = check.http;
    const rc = Number(one('rc'));
    if (rc !== 0) return { ok: false, problems: [`the request failed (curl exit ${rc}): ${show(decode(one('stderr')))}`] };
    const status = Number(one('status'));
    const headers = parseHeaders(decode(one('headers')));
    const body = decode(one('body'));
    if (status !== (h.status ?? 200)) problems.push(`expected status ${h.status ?? 200}, got ${status}`);
    for (const [name, pattern] of Object.entries(h.headers ?? {})) {
      const value = headers.get(name.toLowerCase());
      if (value === undefined) problems.push(`no "${name}" header in the response`);
      else if (!matches(pattern, value)) problems.push(`header "${name}" is ${show(value)}, which does not match /${pattern}/`);
    }
    if (h.body !== undefined && !matches(h.body, body)) problems.push(`the body does not match /${h.body}/: ${show(body)}`);
  } else if (check.file) {
    problems.push(...fileProblems(check.file, one('exists') === '1', one('stat'), one('content') !== undefined ? decode(one('content')) : undefined));
  } else if (check.port) {
    const p = check.port;
    const listeners = (f.get('listen') ?? []).map(splitAddress).filter((l) => l.port === p.port);
    const wanted = p.address === undefined ? listeners : listeners.filter((l) => sameAddress(l.address, p.address!));
    const what = `${p.port}/${p.proto ?? 'tcp'}${p.address ? ` on ${p.address}` : ''}`;
    if ((p.listening ?? true) && wanted.length === 0) problems.push(`nothing listens on ${what}${listeners.length ? ` (listening on ${listeners.map((l) => l.address).join(', ')})` : ''}`);
    if (p.listening === false && wanted.length > 0) problems.push(`something listens on ${what}`);
  }
  return { ok: problems.length === 0, problems };
}

/** What a file check finds wrong, from the file's state (shared with render scenarios). */
export function fileProblems(c: NonNullable<Check['file']>, exists: boolean, stat: string | undefined, content: string | undefined): string[] {
  const wantExists = c.exists ?? true;
  if (!exists) return wantExists ? ['the file does not exist'] : [];
  if (!wantExists) return ['the file exists'];
  const problems: string[] = [];
  const [type = '', mode = '', owner = '', group = ''] = (stat ?? '').split('|');
  const kind = type.includes('directory') ? 'directory' : type.includes('link') ? 'link' : type.includes('file') ? 'file' : type;
  if (c.type && kind !== c.type) problems.push(`expected a ${c.type}, found a ${kind || 'path of unknown type'}`);
  if (c.mode !== undefined && Number.parseInt(c.mode, 8) !== Number.parseInt(mode, 8))
    problems.push(`expected mode ${c.mode}, found ${mode ? `0${mode.padStart(3, '0')}` : 'no mode (the task sets none)'}`);
  if (c.owner !== undefined && owner !== c.owner) problems.push(`expected owner "${c.owner}", found "${owner}"`);
  if (c.group !== undefined && group !== c.group) problems.push(`expected group "${c.group}", found "${group}"`);
  if ((c.contains !== undefined || c.lacks !== undefined) && content === undefined) problems.push('it has no content to match (not a regular file)');
  if (c.contains !== undefined && content !== undefined && !matches(c.contains, content)) problems.push(`the content does not match /${c.contains}/`);
  if (c.lacks !== undefined && content !== undefined && matches(c.lacks, content)) problems.push(`the content matches /${c.lacks}/, which it must not`);
  return problems;
}

function parseHeaders(raw: string): Map<string, string> {
  // With redirects or 100-continue there are several header blocks: the last one is the answer's.
  const blocks = raw.split(/\r?\n\r?\n/).filter((b) => b.trim() !== '');
  const out = new Map<string, string>();
  for (const line of (blocks.at(-1) ?? '').split(/\r?\n/).slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

/** `0.0.0.0:80`, `[::]:80`, `*:80`, `127.0.0.53%lo:53` -> address and port. */
export function splitAddress(s: string): { address: string; port: number } {
  const i = s.lastIndexOf(':');
  const address = s
    .slice(0, i)
    .replace(/^\[|\]$/g, '')
    .replace(/%.*$/, '');
  return { address, port: Number(s.slice(i + 1)) };
}

function sameAddress(found: string, wanted: string): boolean {
  const any = (a: string) => a === '*' || a === '0.0.0.0' || a === '::';
  return found === wanted || (any(found) && any(wanted));
}
