/**
 * A reader of libconfig text (the format of /etc/proxysql.cnf): settings `name = value` (or
 * `name: value`, ending in `;`, `,` or nothing), groups `{ ... }`, lists `( ... )`, arrays
 * `[ ... ]`, strings (adjacent strings join), integers, floats, booleans, `#` and `//` comments.
 * ProxySQL cannot run here, so the proxysql role's rendered config is checked by reading it back
 * with this, the way ProxySQL's own parser (libconfig) reads it. Throws on anything else, with
 * the line.
 */
export type LibconfigValue = string | number | boolean | LibconfigValue[] | { [name: string]: LibconfigValue };

export function parseLibconfig(text: string): Record<string, LibconfigValue> {
  let i = 0;
  const line = () => text.slice(0, i).split('\n').length;
  const fail = (what: string): never => {
    throw new Error(`libconfig line ${line()}: ${what}`);
  };
  const skip = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text[i] === '#' || text.startsWith('//', i)) {
        while (i < text.length && text[i] !== '\n') i++;
      } else if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) fail('unterminated comment');
        i = end + 2;
      } else return;
    }
  };
  const string = (): string => {
    let out = '';
    while (text[i] === '"') {
      i++;
      while (text[i] !== '"') {
        if (i >= text.length || text[i] === '\n') fail('unterminated string');
        if (text[i] === '\\') {
          const c = text[i + 1]!;
          out += ({ n: '\n', t: '\t', r: '\r', f: '\f', '\\': '\\', '"': '"' } as Record<string, string>)[c] ?? fail(`unknown escape \\${c}`);
          i += 2;
        } else out += text[i++];
      }
      i++;
      skip();
    }
    return out;
  };
  const value = (): LibconfigValue => {
    skip();
    const c = text[i];
    if (c === '"') return string();
    if (c === '{') {
      i++;
      const g = settings('}');
      i++;
      return g;
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: LibconfigValue[] = [];
      skip();
      while (text[i] !== close) {
        items.push(value());
        skip();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail(`expected "," or "${close}"`);
        skip();
      }
      i++;
      return items;
    }
    const m = /^(?:true|false|[+-]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)L{0,2})/i.exec(text.slice(i));
    if (!m) return fail('expected a value');
    i += m[0].length;
    const t = m[0].toLowerCase();
    if (t === 'true' || t === 'false') return t === 'true';
    return Number(t.replace(/l+$/, ''));
  };
  const settings = (end: string | undefined): Record<string, LibconfigValue> => {
    const out: Record<string, LibconfigValue> = {};
    for (;;) {
      skip();
      if (end ? text[i] === end : i >= text.length) return out;
      if (i >= text.length) fail(`missing "${end}"`);
      const m = /^[A-Za-z*][-A-Za-z0-9_*]*/.exec(text.slice(i));
      if (!m) fail('expected a setting name');
      const name = m![0];
      i += name.length;
      skip();
      if (text[i] !== '=' && text[i] !== ':') fail(`expected "=" or ":" after "${name}"`);
      i++;
      if (Object.hasOwn(out, name)) fail(`setting "${name}" given twice`);
      out[name] = value();
      skip();
      if (text[i] === ';' || text[i] === ',') i++;
    }
  };
  return settings(undefined);
}
