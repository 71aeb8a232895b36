/**
 * Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible's INI inventory uses
 * on host lines: whitespace separates words; single quotes keep everything; double quotes keep
 * everything but `\"` and `\\`; a backslash outside quotes escapes the next character; `#` where
 * a word could go on ends the line. An unclosed quote is an error (Ansible refuses the line).
 */
export function shlexSplit(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (c === '#') {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('No closing quotation');
      word = (word ?? '') + line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let out = '';
      let j = i + 1;
      for (;;) {
        if (j >= line.length) throw new Error('No closing quotation');
        const d = line[j]!;
        if (d === '"') break;
        if (d === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) {
          out += line[j + 1];
          j += 2;
        } else {
          out += d;
          j++;
        }
      }
      word = (word ?? '') + out;
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new Error('No escaped character');
      word = (word ?? '') + line[i + 1];
      i += 2;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
