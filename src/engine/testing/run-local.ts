/**
 * Runs op probe and apply fragments for real with /bin/sh on the machine running the tests. Two
 * modes: plain (`runProbe`/`runApply`: prelude + `( set -eu; fragment )`, LC_ALL=C, fixed PATH,
 * staged files in $WPHA_STAGE, cwd $WPHA_WORK; raw stdout) and engine
 * (`runProbeInEngineScript`/`runApplyInEngineScript`, `converge(..., { engine: true })`): the very
 * script src/engine/script.ts builds for a host (umask 077, stdin from /dev/null, result markers
 * parsed by the engine's parser). For ops whose effects can be confined to a temp
 * folder (file, copy, lineinfile, ...): point their paths into `tempDir()` and nothing outside
 * it changes. Never use it for ops that install packages, manage users or start services.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import Handlebars from 'handlebars';
import type { Facts } from '../../ops/facts.js';
import { buildScript, parseRoundTrip } from '../script.js';
import type { OpModule, OpPlan, PlanContext, PrepareContext, ProbeOutput } from '../../ops/types.js';

export const LOCAL_ENV = {
  LC_ALL: 'C',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
} as const;

export const LOCAL_FACTS: Facts = {
  hostname: 'local',
  fqdn: 'local',
  os: { family: 'debian', id: 'debian', version_id: '12', codename: 'bookworm', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
  kernel: 'unknown',
  arch: 'x86_64',
  cpus: 1,
  memory_mb: 1024,
  ipv4: [],
  default_ipv4: '',
  default_interface: '',
  init: 'systemd',
  virtualization: 'unknown',
  user: 'root',
};

export interface ScriptResult {
  rc: number;
  stdout: string;
  stderr: string;
}

/** A fresh private folder under the OS temp dir; remove it with `removeTempDir`. */
export function tempDir(prefix = 'wpha-ops-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeTempDir(dir: string): void {
  if (!resolve(dir).startsWith(resolve(tmpdir()) + sep)) throw new Error(`Refusing to remove "${dir}": not under the temp dir`);
  rmSync(dir, { recursive: true, force: true });
}

/** Run a whole script on stdin of /bin/sh (as the engine does over SSH). */
export function runScript(script: string, env: Record<string, string> = {}): ScriptResult {
  const r = spawnSync('/bin/sh', ['-s'], { input: script, env: { ...LOCAL_ENV, ...env }, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { rc: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
}

function preludeOf(op: OpModule): string {
  return op.prelude ? `${op.prelude}\n` : '';
}

/**
 * Run an op's probe fragment in its own subshell after the op's prelude and return what the
 * engine would pass to `parse`. (Plain mode; see runProbeInEngineScript for the exact script.)
 */
export function runProbe<P>(op: OpModule<any, P>, args: P, ctx: { diff: boolean } = { diff: false }): ProbeOutput & { stderr: string } {
  const r = runScript(`${preludeOf(op)}(\n${op.probe(args, ctx)}\n)\n`);
  return { stdout: r.stdout, rc: r.rc, stderr: r.stderr };
}

/**
 * Stage the plan's files, then run its apply fragment under `set -eu` from a private work dir.
 * Plain mode: stdout is returned raw (markers such as @@WPHA_UNCHANGED included).
 */
export function runApply(op: OpModule, plan: OpPlan, scratch: string, env: Record<string, string> = {}): ScriptResult {
  if (!plan.apply) throw new Error('Plan has no apply fragment');
  const stage = mkdtempSync(join(scratch, 'stage-'));
  const work = mkdtempSync(join(scratch, 'work-'));
  for (const f of plan.files ?? []) writeFileSync(join(stage, f.sha256), f.content, { mode: 0o600 });
  const script = `${preludeOf(op)}cd "$WPHA_WORK" || exit 1\n( set -eu\n${plan.apply}\n)\n`;
  try {
    return runScript(script, { ...env, WPHA_STAGE: stage, WPHA_WORK: work });
  } finally {
    rmSync(stage, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

const NONCE = 'localtest';

function engineRoundTrip(op: OpModule, parts: { probe?: string; apply?: OpPlan }): { result: ReturnType<typeof parseRoundTrip>; raw: ScriptResult } {
  const script = buildScript({
    nonce: NONCE,
    preludes: op.prelude ? [op.prelude] : [],
    staged: parts.apply?.files ?? [],
    applies: parts.apply?.apply ? [{ id: 'apply', fragment: parts.apply.apply, notifyFlags: [] }] : [],
    facts: false,
    probes: parts.probe !== undefined ? [{ id: 'probe', fragment: parts.probe }] : [],
  });
  const raw = runScript(script);
  return { result: parseRoundTrip(raw.stdout, NONCE), raw };
}

/**
 * Engine mode: the probe runs inside the very script the engine sends to a host
 * (src/engine/script.ts: same builder, preludes, umask 077, stdin from /dev/null, pinned PATH).
 */
export function runProbeInEngineScript<P>(op: OpModule<any, P>, args: P, ctx: { diff: boolean } = { diff: false }): ProbeOutput & { stderr: string } {
  const { result, raw } = engineRoundTrip(op, { probe: op.probe(args, ctx) });
  const probe = result.probes.get('probe');
  if (!probe) throw new Error(`Probe produced no result section (rc ${raw.rc}): ${raw.stderr}`);
  return { ...probe, stderr: raw.stderr };
}

/** Engine mode apply: staged files inlined, result parsed by the engine's own parser. */
export function runApplyInEngineScript(op: OpModule, plan: OpPlan): ScriptResult & { changed: boolean; warnings: string[] } {
  if (!plan.apply) throw new Error('Plan has no apply fragment');
  const { result, raw } = engineRoundTrip(op, { apply: plan });
  const r = result.applies[0];
  if (!r) throw new Error(`Apply produced no result (rc ${raw.rc}): ${raw.stderr}`);
  return { rc: r.rc, stdout: r.stdout, stderr: r.stderr, changed: r.changed, warnings: r.warnings };
}

export function planContext(over: Partial<PlanContext> = {}): PlanContext {
  return { host: 'local', facts: LOCAL_FACTS, check: false, diff: false, ...over };
}

/**
 * A PrepareContext over a role folder on disk (files/ and templates/), rendering templates with
 * Handlebars in strict mode like the engine does.
 */
export function localPrepareContext(roleDir: string, vars: Record<string, unknown> = {}): PrepareContext {
  const inside = (sub: string, rel: string): string => {
    const base = resolve(roleDir, sub);
    const p = resolve(base, rel);
    if (!p.startsWith(base + sep)) throw new Error(`"${rel}" leaves the role's ${sub}/ folder`);
    return p;
  };
  return {
    host: 'local',
    facts: LOCAL_FACTS,
    vars,
    readRoleFile: (rel) => readFileSync(inside('files', rel)),
    renderTemplate: (rel, extra) => Handlebars.compile(readFileSync(inside('templates', rel), 'utf8'), { strict: true, noEscape: true })({ ...vars, facts: LOCAL_FACTS, ...extra }),
  };
}

/** Write files into a role folder: { 'files/a.txt': '...', 'templates/x.j2': '...' }. */
export function writeRole(roleDir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(roleDir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, content);
  }
}

export interface ConvergeResult<P, S> {
  args: P;
  before: S;
  plan: OpPlan;
  applied?: ScriptResult;
  after?: S;
  replan?: OpPlan;
}

/**
 * The round trip every local op test makes: parse args -> prepare -> probe -> parse -> plan ->
 * apply (when changed) -> probe -> parse -> plan again (which must then say unchanged).
 */
export function converge<A, P, S>(op: OpModule<A, P, S>, rawArgs: unknown, opts: { scratch: string; prepare?: PrepareContext; diff?: boolean; engine?: boolean }): ConvergeResult<P, S> {
  const probe = (a: P, c: { diff: boolean }) => (opts.engine ? runProbeInEngineScript(op, a, c) : runProbe(op, a, c));
  const parsed = op.args.parse(rawArgs);
  const args = op.prepare ? op.prepare(parsed, opts.prepare ?? localPrepareContext(opts.scratch)) : (parsed as unknown as P);
  const ctx = planContext({ diff: opts.diff ?? false });
  const before = op.parse(probe(args, ctx), args);
  const plan = op.plan(args, before, ctx);
  if (!plan.changed) return { args, before, plan };
  const applied = opts.engine ? runApplyInEngineScript(op, plan) : runApply(op, plan, opts.scratch);
  if (applied.rc !== 0) return { args, before, plan, applied };
  const after = op.parse(probe(args, ctx), args);
  const replan = op.plan(args, after, ctx);
  return { args, before, plan, applied, after, replan };
}
