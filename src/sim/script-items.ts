/**
 * What a simulated host needs to read in the scripts the engine sends (src/engine/script.ts
 * builds them): the run's nonce, the probe and apply items in order with their shell fragments,
 * and where the script that takes the host lock ends (it keeps its channel after its answer).
 * Pure. A stand-in answers each item with the output a real host gave for the same fragment
 * (src/sim/recording.ts), so the controller parses and plans exactly what a real host returns.
 */
import { createHash } from 'node:crypto';

export interface ScriptItem {
  id: string;
  /** sha256 of the item's shell fragment: the key of its recorded answer. */
  key: string;
}

export interface ApplyScriptItem extends ScriptItem {
  /** Runs only when one of these handler flags was raised by an earlier item (handlers). */
  onlyIf: string[];
  /** Flags this item raises when it really changed something. */
  raises: string[];
}

export type ParsedScript = { kind: 'round-trip'; nonce: string; applies: ApplyScriptItem[]; probes: ScriptItem[] } | { kind: 'other' };

/**
 * The first script of a locked run (src/engine/host-lock.ts) ends so, and only it: complete (it
 * can be answered) once this arrived, while its stdin stays open.
 */
export { HOLDING_SCRIPT_END } from '../engine/script.js';

export const fragmentKey = (fragment: string): string => createHash('sha256').update(fragment).digest('hex');

export function parseScript(text: string): ParsedScript {
  const nonce = /^WPHA_NONCE=([0-9a-f]+)$/m.exec(text)?.[1];
  if (!nonce) return { kind: 'other' };
  const applies: ApplyScriptItem[] = [];
  const probes: ScriptItem[] = [];
  for (const m of text.matchAll(/^wpha_run (\S+) (wpha_a\d+)$/gm)) {
    // buildScript wraps a handler in `if [ -n "${flag:-}..." ]; then` and follows a notifying
    // item with `if [ "$_wpha_rc" = 0 ] && [ "$_wpha_ch" = 1 ]; then flag=1; ...; fi`.
    const before = text.slice(text.lastIndexOf('\n', m.index - 2) + 1, m.index);
    const afterStart = m.index + m[0].length + 1;
    const after = text.slice(afterStart, text.indexOf('\n', afterStart));
    const onlyIf = before.startsWith('if [ -n "') ? [...before.matchAll(/\$\{(\w+):-\}/g)].map((x) => x[1]!) : [];
    const raises = after.startsWith('if [ "$_wpha_rc" = 0 ] && [ "$_wpha_ch" = 1 ]; then ') ? [...after.matchAll(/(?:then |; )(\w+)=1(?=;)/g)].map((x) => x[1]!) : [];
    applies.push({ id: m[1]!, key: fragmentKey(fragmentOf(text, m[2]!, m.index)), onlyIf, raises });
  }
  for (const m of text.matchAll(/^wpha_probe (\S+) (wpha_p\d+|wpha_facts)$/gm)) {
    const fn = m[2]!;
    // The facts function is written on one line (`wpha_facts() {<script>}`), the others as `f() {\n...\n}`.
    probes.push({ id: m[1]!, key: fragmentKey(fn === 'wpha_facts' ? factsOf(text) : fragmentOf(text, fn, m.index)) });
  }
  return { kind: 'round-trip', nonce, applies, probes };
}

/** The body of `fn() {\n<body>\n}` defined before `before` (the item's call). */
function fragmentOf(text: string, fn: string, before: number): string {
  const open = `${fn}() {\n`;
  const start = text.lastIndexOf(open, before);
  if (start < 0) throw new Error(`Script has no definition of ${fn}`);
  const end = text.lastIndexOf('\n}\n', before);
  if (end < start) throw new Error(`Script has no end to the definition of ${fn}`);
  return text.slice(start + open.length, end);
}

function factsOf(text: string): string {
  const open = 'wpha_facts() {';
  const start = text.indexOf(open);
  const call = text.indexOf('\nwpha_probe facts wpha_facts\n');
  if (start < 0 || call < start) throw new Error('Script has no facts function');
  return text.slice(start + open.length, call - 1);
}
