/**
 * Shared building blocks of the ops that manage files. README:
 *
 * 1. Prelude. Every op that uses these helpers sets `prelude: FILE_PRELUDE` on its OpModule (the
 *    engine includes the same string once per script). It defines the shell functions
 *    `wpha_fstate` (probe), `wpha_put` (atomic writer) and `wpha_attrs` (chown/chgrp/chmod).
 *
 * 2. Arguments. Spread `attrFields()` ({ owner, group, mode }) into a zod object; use
 *    `absolutePath()` for paths. `fileMode()` refuses YAML numbers (0755 -> 493) with a hint and
 *    normalises "644" to "0644". The parsed values are `FileAttrs`. These are functions: schemas
 *    are built on first use, inside the op's own `once(() => z.object(...))` (lazy.ts), never when
 *    a module loads.
 *
 * 3. Probe + parse. `fileStateProbe(path, { content })` returns the probe line:
 *      content 'none'       stat only (directories, links);
 *              'sha'        + sha256 (whole-file ops);
 *              'if-differs' + the old text when its sha256 != `want` (use when ctx.diff);
 *              'always'     + the content (up to EDIT_MAX_BYTES; editors such as lineinfile).
 *    `follow: true` describes the target of a symlink. `parseFileState(out, path)` -> FileState
 *    { parentExists, type: absent|file|directory|link|other, mode "0644", uid, gid, owner, group,
 *      size, sha256, content?: Buffer, contentSkipped?, linkTarget?, resolvedPath? }.
 *
 * 4. Plan. `planFile({ op, path, content, attrs, backup?, validate?, validateLive?, follow?,
 *    guardProbedContent?, sensitive? }, state, ctx)` -> FilePlan (an OpPlan plus
 *    contentChanged / attrsChanged): summary lines, a unified diff when ctx.diff and both texts
 *    are known, the staged file and the `wpha_put` (or `wpha_attrs`) apply fragment. It throws an
 *    OperationError (via `planError`) for a symlink without follow or a non-regular file.
 *    `planFileAbsent(op, path, state, ctx)` removes a file. `putFragment` and `attrsFragment` build
 *    the apply calls directly when an op composes several files (systemd_timer).
 *
 * 5. Text editing, pure, Ansible semantics: `editLines(text, { state, line, regexp, insertafter,
 *    insertbefore, firstmatch, backrefs })` (lineinfile) and `editBlock(text, { state, block,
 *    marker, insertafter, insertbefore })` (blockinfile) -> { text, changed, action }.
 *    `compileUserRegex` / `regexError` accept JS patterns plus Python's `(?P<name>)`.
 *    Ops that edit a file in place probe with `editedFileProbe(a)` (whole content) and plan with
 *    `planEditedFile(op, { path, create, backup, validate, follow, attrs, removing }, state, ctx,
 *    (text) => editLines(text, ...))`: the write only happens if the file is unchanged since.
 *
 * 6. `unifiedDiff(old, new, { oldLabel, newLabel })` for any other textual diff.
 *
 * 7. Whole-file ops (copy, template...): spread `wholeFileFields()` (dest, backup, validate,
 *    validate_live, follow, sensitive, owner, group, mode) into the args; in prepare return
 *    `withContent(args, bytes)`; probe with `wholeFileProbe`, plan with `planWholeFile`.
 *
 * 8. Composing apply fragments: `joinSteps(a, b, ...)` ends the fragment at the first failing
 *    step with its status. Use it instead of plain newlines: `set -e` is silently off inside a
 *    shell function called as `f || ...`, so fragments must not rely on it.
 *
 * 9. systemd units (systemd.ts): `unitName()` schema, `unitStateProbe`/`parseUnitState` (one
 *    `systemctl show`, "unknown" without systemd), `planUnitState` (daemon-reload when the file
 *    changed, enable/disable, start/stop), `sectionMarker`/`splitSections` for probes that print
 *    several parts, `escapeSpecifiers` (% -> %%), `unitLastWords` (a failed unit's journal tail,
 *    once journald has it).
 *
 * Example (a whole-file op):
 *   probe: (a, c) => fileStateProbe(a.dest, { content: c.diff ? 'if-differs' : 'sha', want: sha256Hex(a.content) }),
 *   parse: (out, a) => parseFileState(out, a.dest),
 *   plan:  (a, s, ctx) => planFile({ op: 'cron', path: a.dest, content: Buffer.from(a.content), attrs: a }, s, ctx),
 */
export { FILE_PRELUDE } from './prelude.js';
export { absolutePath, accountName, attrChanges, attrFields, attrsFragment, fileMode, normalizeMode, type FileAttrs } from './attrs.js';
export {
  DIFF_MAX_BYTES,
  EDIT_MAX_BYTES,
  fileStateProbe,
  isText,
  parseFileState,
  type ContentRequest,
  type FileProbeOptions,
  type FileState,
  type FileType,
} from './file-state.js';
export { joinSteps, planError, planFile, planFileAbsent, putFragment, sha256Hex, stagedFile, type FilePlan, type WantedFile } from './plan-file.js';
export { unifiedDiff, type DiffOptions } from './diff.js';
export { editLines, splitKeepingEnds, type EditResult, type LineEdit } from './line-edit.js';
export { BlockMarkerError, DEFAULT_MARKER, editBlock, markerLines, type BlockEdit } from './block-edit.js';
export { compileUserRegex, expandBackrefs, regexError } from './regex.js';
export { planWholeFile, wholeFileFields, wholeFileProbe, withContent, type PreparedWholeFile, type WholeFileArgs } from './whole-file.js';
export { editedFileFields, editedFileProbe, planEditedFile, type EditedFileArgs } from './edit-file.js';
export {
  escapeSpecifiers,
  hasInstallSection,
  parseUnitState,
  planUnitState,
  sectionMarker,
  splitSections,
  UNIT_DIR,
  unitName,
  unitLastWords,
  unitStateProbe,
  type UnitState,
  type UnitWish,
} from './systemd.js';
export { once } from './lazy.js';
export { prefetchFragment } from './prefetch.js';
export { unitPrefetchFragment } from './unit-prefetch.js';
