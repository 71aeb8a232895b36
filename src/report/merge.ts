/**
 * `wpha report merge`: one report from the reports of several shards of a run (`--shard i/n` on
 * parallel agents), as if one controller had converged every host. Pure: texts in, text out.
 *
 * Shards must be complete (a `--json` report without its run-done event is refused: that agent
 * died) and disjoint (a host in two reports means the shards overlapped: refused, naming both).
 */
import { WphaError, ExitCode } from '../errors.js';
import type { Recap, RunEvent } from '../engine/events.js';
import { junitDocument } from './junit.js';

export interface ReportFile {
  /** Shown in messages. */
  name: string;
  text: string;
}

const fail = (message: string) => new WphaError(message, ExitCode.input);

type RunStart = Extract<RunEvent, { type: 'run-start' }>;
type RunDone = Extract<RunEvent, { type: 'run-done' }>;

function parseEvents(f: ReportFile): RunEvent[] {
  return f.text.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as RunEvent];
    } catch {
      throw fail(`Cannot merge "${f.name}": line ${i + 1} is not JSON (expected the output of wpha apply|plan --json)`);
    }
  });
}

/** Claims each host for one report; a host in two reports (even one file given twice) means the shards overlapped. */
function claimer(): (host: string, file: ReportFile) => void {
  const owner = new Map<string, ReportFile>();
  return (host, file) => {
    const other = owner.get(host);
    if (other !== undefined && other !== file) throw fail(`Cannot merge: host "${host}" is in both "${other.name}" and "${file.name}" (the shards overlap)`);
    owner.set(host, file);
  };
}

export function mergeJsonReports(files: readonly ReportFile[]): string {
  if (files.length === 0) throw fail('Cannot merge: no report given');
  const claim = claimer();
  const runs = files.map((f) => {
    const events = parseEvents(f);
    const start = events.find((e): e is RunStart => e.type === 'run-start');
    const done = events.find((e): e is RunDone => e.type === 'run-done');
    if (!start) throw fail(`Cannot merge "${f.name}": it has no run-start event (not a wpha --json report?)`);
    if (!done) throw fail(`Cannot merge "${f.name}": it has no run-done event (that run did not finish)`);
    for (const h of [...start.hosts, ...(done.notRun ?? [])]) claim(h, f);
    return { f, events, start, done };
  });
  const first = runs[0]!.start;
  for (const { f, start } of runs) {
    if (start.inventory !== first.inventory) throw fail(`Cannot merge "${f.name}": it is a run of inventory "${start.inventory}", not "${first.inventory}"`);
    if (start.check !== first.check) throw fail(`Cannot merge "${f.name}": plans and applies do not mix`);
  }
  checkShards(runs.map((r) => ({ file: r.f.name, shard: r.start.shard })));
  const shards = runs.map((r) => r.start.shard ?? r.f.name);
  const out: RunEvent[] = [
    {
      type: 'run-start',
      inventory: first.inventory,
      hosts: runs.flatMap((r) => r.start.hosts),
      withoutRoles: [...new Set(runs.flatMap((r) => r.start.withoutRoles))],
      check: first.check,
      at: runs.map((r) => r.start.at).sort()[0]!,
      shards,
    },
  ];
  runs.forEach((r, i) => {
    for (const e of r.events) {
      if (e.type === 'run-start' || e.type === 'run-done') continue;
      out.push(e.type === 'batch-start' || e.type === 'rollout-stopped' ? { ...e, shard: shards[i]! } : e);
    }
  });
  const recaps: Record<string, Recap> = Object.assign({}, ...runs.map((r) => r.done.recaps));
  const notRun = runs.flatMap((r) => r.done.notRun ?? []);
  out.push({
    type: 'run-done',
    recaps,
    ms: Math.max(...runs.map((r) => r.done.ms)),
    failed: runs.some((r) => r.done.failed),
    changed: runs.some((r) => r.done.changed),
    interrupted: runs.some((r) => r.done.interrupted),
    ...(notRun.length ? { notRun } : {}),
  });
  return out.map((e) => `${JSON.stringify(e)}\n`).join('');
}

/** Reports of `--shard i/n` runs must be all n shards of one split, each once. */
function checkShards(list: { file: string; shard: string | undefined }[]): void {
  const sharded = list.filter((x) => x.shard !== undefined);
  if (sharded.length === 0) return;
  if (sharded.length !== list.length) throw fail(`Cannot merge "${list.find((x) => !x.shard)!.file}": it is not a --shard run, and the other reports are`);
  const parsed = sharded.map((x) => ({ ...x, i: Number(x.shard!.split('/')[0]), n: Number(x.shard!.split('/')[1]) }));
  const n = parsed[0]!.n;
  const other = parsed.find((x) => x.n !== n);
  if (other) throw fail(`Cannot merge "${other.file}": it is shard ${other.shard}, the others are shards of ${n}`);
  for (let i = 1; i <= n; i++) {
    const got = parsed.filter((x) => x.i === i);
    if (got.length === 0) throw fail(`Cannot merge: the report of shard ${i}/${n} is missing`);
    if (got.length > 1) throw fail(`Cannot merge: shard ${i}/${n} is both "${got[0]!.file}" and "${got[1]!.file}"`);
  }
}

const attr = (attrs: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];

/**
 * JUnit reports written by `wpha ... --junit` (one testsuite per host, attributes escaped, so a
 * regular expression finds each element): the suites side by side, the totals added up.
 */
export function mergeJunitReports(files: readonly ReportFile[]): string {
  if (files.length === 0) throw fail('Cannot merge: no report given');
  const claim = claimer();
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const f of files) {
    const body = /<testsuites\b[^>]*>([\s\S]*)<\/testsuites>\s*$/.exec(f.text)?.[1] ?? (/<testsuites\b[^>]*\/>\s*$/.test(f.text) ? '' : undefined);
    if (body === undefined) throw fail(`Cannot merge "${f.name}": no <testsuites> element (expected the file of wpha apply|plan --junit)`);
    for (const m of body.matchAll(/<testsuite\b([^>]*?)(?:\/>|>[\s\S]*?<\/testsuite>)/g)) {
      const name = attr(m[1]!, 'name');
      const t = Number(attr(m[1]!, 'tests'));
      const fl = Number(attr(m[1]!, 'failures'));
      if (name === undefined || !Number.isInteger(t) || !Number.isInteger(fl)) throw fail(`Cannot merge "${f.name}": a <testsuite> lacks its name, tests or failures`);
      claim(name, f);
      tests += t;
      failures += fl;
      suites.push(`  ${m[0]}`);
    }
  }
  return junitDocument(suites, tests, failures);
}
