/**
 * The contract every operation implements (one op per file in src/ops).
 *
 * An operation never executes anything itself. It provides:
 *  - `args`: a zod schema for its arguments (the source of truth for docs and JSON Schema);
 *  - `prepare`: controller-side work that may read role files or render templates
 *    (e.g. `template` turns `src` into bytes); returns the prepared arguments;
 *  - `probe`: a POSIX sh fragment that prints the current state on stdout. All probes of a
 *    play run in ONE script per host (one round trip); each runs in its own subshell;
 *  - `parse`: a pure function from that output to a typed state (tested from fixtures);
 *  - `plan`: a pure function from prepared args + state to an OpPlan: whether the host differs,
 *    what would change (and a diff), and the sh fragment that makes it so.
 * Check mode, diff and "changed" come for free from this split.
 */
import type { z } from 'zod';
import type { Facts } from './facts.js';

export interface ProbeOutput {
  /** Everything the probe fragment printed on stdout (decoded as UTF-8, invalid bytes replaced). */
  stdout: string;
  /** Exit status of the probe fragment's subshell. */
  rc: number;
}

export interface PrepareContext {
  /** Inventory name of the host. */
  host: string;
  facts: Facts;
  /** Variables of the host for this task (already merged by precedence). */
  vars: Record<string, unknown>;
  /** Read a file shipped in the task's role `files/` folder. Rejects paths leaving that folder. */
  readRoleFile(relPath: string): Buffer;
  /** Render a Handlebars template from the role's `templates/` folder (strict: undefined vars are errors). */
  renderTemplate(relPath: string, extraVars?: Record<string, unknown>): string;
}

export interface PlanContext {
  host: string;
  facts: Facts;
  /** `--check`: the plan is only shown. Plans are identical in both modes; this is informational. */
  check: boolean;
  /** `--diff`: file ops should include a unified diff when they have the old content. */
  diff: boolean;
  /** File texts the controller kept from earlier runs (see ContentCache). */
  content?: ContentCache;
}

export interface ProbeContext {
  diff: boolean;
  content?: ContentCache;
}

/**
 * Texts of files edited in place, kept on the controller by sha256 between runs, so that a probe
 * can send just the file's sha256 when the controller already has that text (a converged run
 * does not download php.ini again).
 */
export interface ContentCache {
  /** The sha256 of the text last seen at `path` on this host, when that text is still kept. */
  knownSha(path: string): string | undefined;
  get(sha256: string): Buffer | undefined;
  /** Keep a text seen at `path` (not kept when it holds a known secret). */
  put(path: string, content: Buffer): void;
}

export interface OpPlan {
  /** True when the host differs from the desired state (the op will change something). */
  changed: boolean;
  /** Human lines describing what would change, e.g. `install nginx, php8.2-fpm`. Empty when unchanged. */
  summary: string[];
  /** Unified diff of a file's content (only when `ctx.diff` and the op knows old and new). */
  diff?: string;
  /**
   * sh fragment that brings the host to the desired state. Present iff `changed`.
   * It runs in its own subshell under `set -eu`, after the shared prelude (src/shell/prelude.ts).
   * A fragment whose effect is only known once it runs (command, shell) may print a line
   * `@@WPHA_UNCHANGED` to report that it changed nothing.
   */
  apply?: string;
  /**
   * File contents the apply fragment needs on the host. Before the fragments run, the engine
   * places each one at `"$WPHA_STAGE/<sha256>"` (a private 0700 directory, files 0600): small ones
   * inline in the script as base64, large ones over SFTP. Contents never appear on a command line.
   */
  files?: StagedFile[];
  /** Notes shown to the user even when nothing fails (e.g. a lab limitation). */
  warnings?: string[];
}

export interface StagedFile {
  /** Lowercase hex sha256 of `content`; also its file name in the stage directory. */
  sha256: string;
  content: Buffer;
}

export interface OpModule<A = any, P = A, S = any> {
  /** Task key, e.g. `apt`, `template`. */
  name: string;
  /**
   * Shell functions the op's probe/apply fragments call (e.g. an atomic file writer). The engine
   * includes each distinct prelude once at the top of a script. Function names start with `wpha_`.
   */
  prelude?: string;
  /** One sentence for --help and docs. */
  summary: string;
  /** Arguments schema. `.describe()` every field: it becomes the docs and the JSON Schema. */
  args: z.ZodType<A>;
  /** Controller-side preparation (read role files, render templates, hash content). Default: identity. */
  prepare?(args: A, ctx: PrepareContext): P;
  /**
   * What the op reads and writes on the host: absolute paths, or resource keys such as
   * `pkg:nginx`, `unit:nginx.service`, `user:deploy`. The engine uses them to tell when an earlier
   * change in the same run makes this op's probe stale (then it re-probes before planning).
   */
  resources(args: P): string[];
  /**
   * When this op changes something, every later probe on the host may be stale (installing a
   * package creates files and units; a command can do anything). Default false.
   */
  barrier?: boolean | ((args: P) => boolean);
  probe(args: P, ctx: ProbeContext): string;
  parse(out: ProbeOutput, args: P): S;
  plan(args: P, state: S, ctx: PlanContext): OpPlan;
  /**
   * Optional: what `register:` stores after the op ran (or was skipped). Default
   * `{ changed, rc, stdout }` from the apply output.
   */
  registerValue?(result: { changed: boolean; rc: number; output: string }, args: P): Record<string, unknown>;
  /**
   * Optional, for barrier ops: one step doing the work of this step and of a later step of the
   * same op (their arguments and probed states joined), or undefined when they cannot go
   * together. The engine decides which later steps may move up (src/engine/join-steps.ts).
   */
  join?(a: { args: P; state: S }, b: { args: P; state: S }): { args: P; state: S } | undefined;
}

/** The marker a runtime-decided fragment prints to say "nothing changed". */
export const UNCHANGED_MARKER = '@@WPHA_UNCHANGED';

/** A fragment prints `@@WPHA_WARN <text>` to attach a warning to its result (e.g. read-only /proc/sys). */
export const WARN_MARKER = '@@WPHA_WARN';

/**
 * A fragment prints `@@WPHA_TIME <what> <ms>` to say how long a part of it took on the host
 * (`apt`: package lists and dpkg; `service`: services starting or restarting): the recap then
 * tells the host's own work from wpha's.
 */
export const TIME_MARKER = '@@WPHA_TIME';

/** Shell steps around the part of a fragment to time: `${TIME_START}`, the work, then `timeEnd(what)`. */
export const TIME_START = 'wpha_t0=$(date +%s%N)';
export function timeEnd(what: 'apt' | 'service'): string {
  return `echo "${TIME_MARKER} ${what} $(( ($(date +%s%N) - wpha_t0) / 1000000 ))"`;
}
