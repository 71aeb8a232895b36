/**
 * `wait_for`: wait until a TCP port is open (or closed), a path exists (or not), or a URL answers
 * with an expected HTTP status.
 *
 * The probe checks once. When the condition already holds nothing is planned. Otherwise the
 * apply waits `delay` seconds, then checks every second until it holds or `timeout` seconds have
 * passed (then it fails with what it saw last). Waiting is not a change: the task is reported
 * unchanged either way.
 *
 * Ports are checked with bash's /dev/tcp (no nc needed). URLs use curl when installed, else wget,
 * else (plain http only) a minimal HTTP/1.0 request over /dev/tcp; https without curl or wget is
 * an error. Redirects are not followed: expect 301/302 explicitly if that is the answer.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { OperationError } from '../errors.js';
import { sh } from '../shell/quote.js';
import { joinSteps } from './lib/plan-file.js';
import { UNCHANGED_MARKER, type OpModule, type OpPlan, type PlanContext, type ProbeOutput } from './types.js';

const HOST = /^[A-Za-z0-9._:-]+$/;

export const waitForArgs = once(() =>
  z
    .strictObject({
      port: z.number().int().min(1).max(65535).optional().describe('TCP port to wait for (on host).'),
      host: z.string().regex(HOST, 'expected a host name or IP address').default('127.0.0.1').describe('Host of port (default 127.0.0.1).'),
      path: z
        .string()
        .regex(/^\/[^\n]*$/, 'expected an absolute path')
        .optional()
        .describe('File or directory to wait for.'),
      url: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe('http(s) URL to wait for (see status).'),
      status: z.number().int().min(100).max(599).default(200).describe('HTTP status the URL must answer with.'),
      validate_certs: z.boolean().default(true).describe('With https: verify the certificate (false for self-signed local endpoints).'),
      state: z.enum(['started', 'stopped', 'present', 'absent']).optional().describe('port: started (open, default) or stopped (closed); path: present (default) or absent.'),
      timeout: z.number().int().min(1).default(60).describe('Seconds to wait before failing.'),
      delay: z.number().int().min(0).default(0).describe('Seconds to wait before the first check of the apply.'),
    })
    .superRefine((a, ctx) => {
      const targets = [a.port !== undefined, a.path !== undefined, a.url !== undefined].filter(Boolean).length;
      if (targets !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'set exactly one of port, path or url' });
      if (a.port !== undefined && a.state && !['started', 'stopped'].includes(a.state)) ctx.addIssue({ code: 'custom', path: ['state'], message: 'with port, state is started or stopped' });
      if (a.path !== undefined && a.state && !['present', 'absent'].includes(a.state)) ctx.addIssue({ code: 'custom', path: ['state'], message: 'with path, state is present or absent' });
      if (a.url !== undefined && a.state) ctx.addIssue({ code: 'custom', path: ['state'], message: 'with url, use status instead of state' });
    }),
);

export type WaitForArgs = z.output<ReturnType<typeof waitForArgs>>;

/** What one check prints: `open`/`closed`, `present`/`absent`, a status code (`000`: no answer), or `!message`. */
export interface WaitForState {
  seen: string;
}

/** The check as shell words for `wpha_wait_once`, what it must print, and a description. */
export function target(args: WaitForArgs): { words: (string | number)[]; expect: string; what: string } {
  if (args.port !== undefined) {
    const open = args.state !== 'stopped';
    return { words: ['port', args.host, args.port], expect: open ? 'open' : 'closed', what: `port ${args.host}:${args.port} to be ${open ? 'open' : 'closed'}` };
  }
  if (args.path !== undefined) {
    const present = args.state !== 'absent';
    return { words: ['path', args.path], expect: present ? 'present' : 'absent', what: `${args.path} to ${present ? 'exist' : 'disappear'}` };
  }
  const u = new URL(args.url!);
  const https = u.protocol === 'https:';
  const port = u.port || (https ? '443' : '80');
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const words = ['url', u.href, host, port, `${u.pathname}${u.search}`, u.host, args.validate_certs ? 'verify' : 'insecure'];
  return { words, expect: String(args.status), what: `${u.href} to answer ${args.status}` };
}

/**
 * wpha_wait_once KIND ARGS...   prints what it sees (one word).
 * wpha_wait_until EXPECT TIMEOUT WHAT KIND ARGS...   polls every second; prints the unchanged
 * marker when satisfied, fails with the last observation on timeout or on a `!` answer.
 */
const WAIT_PRELUDE = [
  'wpha_wait_http() {',
  '  if command -v curl >/dev/null 2>&1; then',
  '    _wpwk=; if [ "$6" = insecure ]; then _wpwk=-k; fi',
  '    curl -s -o /dev/null -w \'%{http_code}\' --max-time 5 $_wpwk -- "$1" 2>/dev/null || :',
  '  elif command -v wget >/dev/null 2>&1; then',
  '    _wpwk=; if [ "$6" = insecure ]; then _wpwk=--no-check-certificate; fi',
  '    wget -q -S -O /dev/null --timeout=5 --max-redirect=0 $_wpwk -- "$1" 2>&1 | awk \'/^  HTTP\\//{c=$2} END{print c==""?"000":c}\'',
  '  else',
  '    case $1 in https:*) echo "!https needs curl or wget on the host"; return 0 ;; esac',
  '    timeout 5 bash -c \'exec 3<>"/dev/tcp/$1/$2" || exit 1; printf "GET %s HTTP/1.0\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n" "$3" "$4" >&3; read -r _ c _ <&3; c=${c:0:3}; echo "${c:-000}"\' _ "$2" "$3" "$4" "$5" 2>/dev/null || echo 000',
  '  fi',
  '}',
  'wpha_wait_once() {',
  '  case $1 in',
  '    port) if timeout 1 bash -c \'exec 3<>"/dev/tcp/$1/$2"\' _ "$2" "$3" 2>/dev/null; then echo open; else echo closed; fi ;;',
  '    path) if [ -e "$2" ] || [ -L "$2" ]; then echo present; else echo absent; fi ;;',
  '    url) shift; wpha_wait_http "$@" ;;',
  '  esac',
  '}',
  'wpha_wait_until() {',
  '  _wpwe=$1 _wpwt=$2 _wpwd=$3; shift 3',
  '  _wpwend=$(( $(date +%s) + _wpwt ))',
  '  while :; do',
  '    _wpws=$(wpha_wait_once "$@")',
  `    if [ "$_wpws" = "$_wpwe" ]; then echo ${UNCHANGED_MARKER}; return 0; fi`,
  '    case $_wpws in !*) echo "cannot wait for $_wpwd: ${_wpws#!}" >&2; return 1 ;; esac',
  '    if [ "$(date +%s)" -ge "$_wpwend" ]; then',
  '      echo "timed out after $_wpwt s waiting for $_wpwd (last seen: $_wpws)" >&2; return 1',
  '    fi',
  '    sleep 1',
  '  done',
  '}',
].join('\n');

export function parseWaitForProbe(out: ProbeOutput): WaitForState {
  const line = out.stdout.split('\n').find((l) => l.startsWith('seen='));
  if (line === undefined) throw new Error(`wait_for probe: unexpected output ${JSON.stringify(out.stdout.slice(0, 200))}`);
  return { seen: line.slice(5).trim() };
}

function describeSeen(seen: string): string {
  return seen === '000' ? 'no answer' : seen;
}

function planWaitFor(args: WaitForArgs, state: WaitForState, ctx: PlanContext): OpPlan {
  const t = target(args);
  if (state.seen.startsWith('!')) throw new OperationError(ctx.host, 'wait_for', `Cannot wait for ${t.what} on host "${ctx.host}": ${state.seen.slice(1)}`);
  if (state.seen === t.expect) return { changed: false, summary: [] };
  const lines = [];
  if (args.delay > 0) lines.push(`sleep ${args.delay}`);
  lines.push(sh`wpha_wait_until ${t.expect} ${args.timeout} ${t.what} ${t.words}`);
  return {
    changed: true,
    summary: [`wait up to ${args.timeout} s for ${t.what} (now: ${describeSeen(state.seen)})`],
    apply: joinSteps(...lines),
  };
}

const waitForOp: OpModule<WaitForArgs, WaitForArgs, WaitForState> = {
  name: 'wait_for',
  summary: 'Wait for a TCP port, a path or an HTTP answer (a wait is never a change).',
  get args() {
    return waitForArgs();
  },
  prelude: WAIT_PRELUDE,
  resources: (args) => (args.path !== undefined ? [args.path] : []),
  probe: (args) => `echo "seen=$(${sh`wpha_wait_once ${target(args).words}`})"`,
  parse: (out) => parseWaitForProbe(out),
  plan: planWaitFor,
};

export default waitForOp;
