/**
 * Splits the string form of `command`'s `cmd` into argv words the way a shell would split it,
 * WITHOUT any interpretation: quotes group words, and anything a shell would interpret (pipes,
 * redirections, variables, globs, `~`, comments, `VAR=value` prefixes) is refused, so that what
 * runs is exactly what was written. Such commands belong in the list form or in `shell`.
 */

export type SplitResult = { ok: true; argv: string[] } | { ok: false; error: string };

/** Characters a shell would interpret outside quotes. */
const UNQUOTED_SPECIAL = new Set(['|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '*', '?', '[', ']']);
/** Inside double quotes a shell still expands these. */
const DQUOTE_SPECIAL = new Set(['$', '`', '\\']);

const HINT = 'use the list form of cmd to pass it literally, or the shell op to run shell syntax';

function refuse(what: string, index: number): SplitResult {
  return { ok: false, error: `the string form of cmd cannot contain ${what} (column ${index + 1}): ${HINT}` };
}

export function splitCommand(text: string): SplitResult {
  const argv: string[] = [];
  let word: string | null = null;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') return refuse('a newline', i);
    if (c === ' ' || c === '\t') {
      if (word !== null) argv.push(word);
      word = null;
      i++;
      continue;
    }
    if (word === null && (c === '#' || c === '~')) return refuse(`"${c}" at the start of a word`, i);
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return refuse('an unterminated single quote', i);
      word = (word ?? '') + text.slice(i + 1, end);
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let chunk = '';
      while (j < text.length && text[j] !== '"') {
        if (DQUOTE_SPECIAL.has(text[j]!)) return refuse(`"${text[j]}" inside double quotes`, j);
        chunk += text[j];
        j++;
      }
      if (j >= text.length) return refuse('an unterminated double quote', i);
      word = (word ?? '') + chunk;
      i = j + 1;
      continue;
    }
    if (UNQUOTED_SPECIAL.has(c)) return refuse(`"${c}" outside quotes`, i);
    if (c === '=' && argv.length === 0 && word !== null && /^[A-Za-z_][A-Za-z0-9_]*$/.test(word))
      return { ok: false, error: `the string form of cmd cannot start with a variable assignment ("${word}=..."): set it with env instead` };
    word = (word ?? '') + c;
    i++;
  }
  if (word !== null) argv.push(word);
  if (argv.length === 0) return { ok: false, error: 'cmd is empty' };
  return { ok: true, argv };
}
