/**
 * Commands are values, not strings: every value interpolated into shell text goes through
 * `quote`, so metacharacters, spaces and newlines in package names, paths or users can never
 * become shell syntax.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX-shell quote one word. Empty string becomes ''. NUL bytes cannot be passed to a shell. */
export function quote(value: string | number): string {
  const s = String(value);
  if (s.includes('\0')) throw new Error('Cannot pass a NUL byte to the shell');
  if (s !== '' && SAFE.test(s)) return s;
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Text inserted into a `sh` template without quoting. Only for shell syntax the code itself wrote. */
export class RawShell {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function raw(text: string): RawShell {
  return new RawShell(text);
}

export type ShellValue = string | number | RawShell | readonly (string | number)[];

/**
 * Tagged template that quotes every interpolation:
 *   sh`dpkg-query -W ${pkgs}` with pkgs = ['a b', 'c'] -> dpkg-query -W 'a b' c
 */
export function sh(strings: TemplateStringsArray, ...values: ShellValue[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += renderValue(v) + (strings[i + 1] ?? '');
  });
  return out;
}

function renderValue(v: ShellValue): string {
  if (v instanceof RawShell) return v.text;
  if (Array.isArray(v)) return v.map((x) => quote(x)).join(' ');
  return quote(v as string | number);
}

/**
 * A shell here-document carrying arbitrary bytes as base64, decoded on the host.
 * Use for file contents (they never appear on a command line, so never in `ps`).
 */
export function base64Heredoc(content: Buffer | string, target: string): string {
  const b64 = Buffer.from(content)
    .toString('base64')
    .replace(/.{1,76}/g, '$&\n');
  const marker = 'WPHA_B64_EOF';
  return `base64 -d > ${quote(target)} <<'${marker}'\n${b64}${marker}\n`;
}
