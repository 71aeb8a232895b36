/**
 * Verify checks as read-only probe fragments: every check of a host runs in ONE round trip (the
 * engine's probe sections), each printing `key value` lines (bytes base64-encoded) that the pure
 * evaluator (evaluate.ts) judges on the controller. Commands and requests are bounded in time so
 * a hung service fails its check instead of hanging the run.
 */
import { quote } from '../shell/quote.js';
import type { Check } from './schema.js';

/** Bytes of output, body or file content kept for matching. */
export const KEEP_BYTES = 1024 * 1024;
const COMMAND_TIMEOUT_S = 120;
const HTTP_TIMEOUT_S = 20;

const b64 = (file: string) => `$(head -c ${KEEP_BYTES} ${file} | base64 -w0)`;

export function checkFragment(check: Check, id: string): string {
  const w = (suffix: string) => `"$WPHA_WORK/${id}.${suffix}"`;
  if (check.command) {
    return [`timeout ${COMMAND_TIMEOUT_S} sh -c ${quote(check.command.run)} >${w('out')} 2>${w('err')}`, 'echo "rc $?"', `echo "stdout ${b64(w('out'))}"`, `echo "stderr ${b64(w('err'))}"`].join('\n');
  }
  if (check.http) {
    const h = check.http;
    const args = ['-sS', '-m', String(HTTP_TIMEOUT_S), '-o', w('body'), '-D', w('head'), '-w', "'%{http_code}'"];
    if (h.method === 'HEAD') args.push('--head');
    else if (h.method === 'POST') args.push('-X', 'POST', '--data', "''");
    if (h.host) args.push('-H', quote(`Host: ${h.host}`));
    for (const [name, value] of Object.entries(h.request_headers ?? {})) args.push('-H', quote(`${name}: ${value}`));
    if (h.insecure) args.push('-k');
    args.push('--', quote(h.url));
    return [
      `: >${w('body')}; : >${w('head')}`,
      `code=$(curl ${args.join(' ')} 2>${w('err')})`,
      'echo "rc $?"',
      'echo "status $code"',
      `echo "headers ${b64(w('head'))}"`,
      `echo "body ${b64(w('body'))}"`,
      `echo "stderr ${b64(w('err'))}"`,
    ].join('\n');
  }
  if (check.file) {
    const p = quote(check.file.path);
    return [
      `if [ -e ${p} ] || [ -L ${p} ]; then`,
      '  echo "exists 1"',
      `  echo "stat $(stat -c '%F|%a|%U|%G' -- ${p})"`,
      `  if [ -f ${p} ]; then echo "content $(head -c ${KEEP_BYTES} -- ${p} | base64 -w0)"; fi`,
      'else echo "exists 0"; fi',
    ].join('\n');
  }
  if (check.port) {
    const flag = check.port.proto === 'udp' ? '-Hlnu' : '-Hlnt';
    return `ss ${flag} | awk '{ print "listen " $4 }'`;
  }
  throw new Error('A check without a kind passed validation');
}

/** `key value` lines -> map (a key given twice keeps every value, in order). */
export function parseLines(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const key = sp < 0 ? line : line.slice(0, sp);
    const value = sp < 0 ? '' : line.slice(sp + 1);
    out.set(key, [...(out.get(key) ?? []), value]);
  }
  return out;
}

export const decode = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');

/** A one-line summary of a check, for reports when it has no name. */
export function describeCheck(c: Check): string {
  if (c.name) return c.name;
  if (c.command) return `command ${c.command.run}`;
  if (c.http) return `${c.http.method ?? 'GET'} ${c.http.url}${c.http.host ? ` (Host: ${c.http.host})` : ''}`;
  if (c.file) return `file ${c.file.path}`;
  if (c.port) return `port ${c.port.port}/${c.port.proto ?? 'tcp'}${c.port.listening === false ? ' closed' : ' listening'}`;
  return 'check';
}
