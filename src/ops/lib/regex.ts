/**
 * Regular expressions written by role authors: JavaScript syntax, plus the Python spellings people
 * bring from Ansible (`(?P<name>...)`, `(?P=name)`) translated, so `lineinfile` patterns copied
 * from playbooks keep working. Compiled without flags: no `g` (stateless `test`/`exec`) and no
 * `u` (which would refuse escapes such as `\-` that Python accepts).
 */
export function compileUserRegex(source: string): RegExp {
  const js = source.replace(/\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/g, '(?<$1>').replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>');
  return new RegExp(js);
}

/** Why `source` is not a valid pattern, or undefined when it is (for zod refinements). */
export function regexError(source: string): string | undefined {
  try {
    compileUserRegex(source);
    return undefined;
  } catch (e) {
    return `invalid regular expression ${JSON.stringify(source)}: ${(e as Error).message}`;
  }
}

/**
 * Expand back-references in `template` from a match, the way Ansible's `backrefs` does:
 * `\1`..`\99`, `\g<1>`, `\g<name>`; `\\` is a literal backslash. Missing groups expand to ''.
 */
export function expandBackrefs(template: string, m: RegExpExecArray): string {
  return template.replace(/\\(?:(\d{1,2})|g<([^>]+)>|(\\))/g, (_all, num: string | undefined, g: string | undefined, bs: string | undefined) => {
    if (bs) return '\\';
    const key = num ?? g!;
    if (/^\d+$/.test(key)) return m[Number(key)] ?? '';
    return m.groups?.[key] ?? '';
  });
}
