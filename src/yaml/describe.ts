/** Short descriptions of found values for "expected X, found Y" messages. */

const MAX_SHOWN = 60;

/**
 * `string "abc"`, `number 8080`, `boolean true`, `null`, `a list`, `a map`.
 * Secret values are never shown, only their kind.
 */
export function describeValue(value: unknown, opts: { secret?: boolean } = {}): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a map';
  if (opts.secret) return `a secret ${typeof value}`;
  if (typeof value === 'string') {
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value;
    return `string ${JSON.stringify(shown)}`;
  }
  return `${typeof value} ${String(value)}`;
}

/** `a string`, `an integer`, ... for the `expected` names zod and role var types use. */
export function describeType(name: string): string {
  switch (name) {
    case 'string':
      return 'a string';
    case 'int':
    case 'integer':
      return 'an integer';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean (true or false)';
    case 'array':
    case 'list':
      return 'a list';
    case 'object':
    case 'record':
    case 'map':
      return 'a map';
    case 'null':
      return 'null';
    default:
      return name;
  }
}

/** `file:line:col`, for messages that point at a second place. */
export function formatLocation(loc: { file: string; line: number; col: number }): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}
