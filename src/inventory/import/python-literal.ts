/**
 * Python's `ast.literal_eval` for the values of Ansible INI inventories: Ansible tries it on
 * every `key=value` (numbers, quoted strings, lists, tuples, dicts, True/False/None) and keeps
 * the text when it fails. Same outcome here: `parsePythonLiteral` returns `{ ok: false }` for
 * anything literal_eval would refuse (names, expressions, sets, complex numbers, `010`), and the
 * caller keeps the text. Tuples become lists and dict keys strings, as they do in JSON.
 */

export type Literal = { ok: true; value: unknown } | { ok: false };

class Fail extends Error {}

export function parsePythonLiteral(text: string): Literal {
  const p = new Parser(text);
  try {
    p.skip();
    const value = p.expr();
    p.skip();
    if (!p.done()) throw new Fail();
    return { ok: true, value };
  } catch (e) {
    if (e instanceof Fail) return { ok: false };
    throw e;
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '\n': '' };

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  done(): boolean {
    return this.i >= this.s.length;
  }

  /** Whitespace and # comments (a comment runs to the end of the line). */
  skip(): void {
    for (;;) {
      while (this.i < this.s.length && /[ \t\r\n\f]/.test(this.s[this.i]!)) this.i++;
      if (this.s[this.i] === '#') while (this.i < this.s.length && this.s[this.i] !== '\n') this.i++;
      else if (this.s.startsWith('\\\n', this.i)) this.i += 2;
      else return;
    }
  }

  private eat(c: string): boolean {
    this.skip();
    if (this.s[this.i] !== c) return false;
    this.i++;
    return true;
  }

  expr(): unknown {
    this.skip();
    const c = this.s[this.i];
    if (c === undefined) throw new Fail();
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.parenthesized();
    if (c === '{') return this.dict();
    if (c === '-' || c === '+') {
      this.i++;
      const n = this.expr();
      if (typeof n !== 'number') throw new Fail();
      return c === '-' ? -n : n;
    }
    if (/[0-9.]/.test(c)) return this.number();
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i))?.[0];
    if (word && /^[rRuUbB]{1,2}$/.test(word) && /['"]/.test(this.s[this.i + word.length] ?? '')) return this.strings();
    if (c === '"' || c === "'") return this.strings();
    if (word === 'True' || word === 'False' || word === 'None') {
      this.i += word.length;
      return word === 'True' ? true : word === 'False' ? false : null;
    }
    throw new Fail();
  }

  private sequence(close: string): unknown[] {
    this.i++;
    const out: unknown[] = [];
    while (!this.eat(close)) {
      out.push(this.expr());
      if (!this.eat(',')) {
        if (!this.eat(close)) throw new Fail();
        break;
      }
    }
    return out;
  }

  /** `(x)` is x, `(x,)` and `(x, y)` are tuples, `()` an empty tuple. */
  private parenthesized(): unknown {
    this.i++;
    if (this.eat(')')) return [];
    const first = this.expr();
    if (this.eat(')')) return first;
    if (!this.eat(',')) throw new Fail();
    const out = [first];
    while (!this.eat(')')) {
      out.push(this.expr());
      if (!this.eat(',')) {
        if (!this.eat(')')) throw new Fail();
        break;
      }
    }
    return out;
  }

  private dict(): Record<string, unknown> {
    this.i++;
    const out: Record<string, unknown> = {};
    // `{}` is a dict; `{1, 2}` a set, which JSON cannot hold (Ansible's output could not either).
    while (!this.eat('}')) {
      const key = this.expr();
      if (!this.eat(':')) throw new Fail();
      if (key !== null && typeof key === 'object') throw new Fail(); // unhashable
      out[key === null ? 'None' : typeof key === 'boolean' ? (key ? 'True' : 'False') : String(key)] = this.expr();
      if (!this.eat(',')) {
        if (!this.eat('}')) throw new Fail();
        break;
      }
    }
    return out;
  }

  private number(): number {
    const rest = this.s.slice(this.i);
    const m = /^0[xX](?:_?[0-9a-fA-F])+|^0[oO](?:_?[0-7])+|^0[bB](?:_?[01])+/.exec(rest) ?? /^(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?/.exec(rest);
    if (!m || m[0] === '.') throw new Fail();
    const text = m[0].replaceAll('_', '');
    if (/^[jJA-Za-z0-9_]/.test(rest.slice(m[0].length))) throw new Fail(); // 1j, 12abc
    if (/^0\d/.test(text) && !/^0+$/.test(text) && !/[.eE]/.test(text)) throw new Fail(); // 010: not Python 3
    this.i += m[0].length;
    if (/^0[xob]/i.test(text)) return Number(text.toLowerCase());
    return Number(text);
  }

  /** One string literal, or several adjacent ones (concatenated, as Python does). */
  private strings(): string {
    let out = '';
    let bytes: boolean | undefined;
    do {
      const prefix = /^[rRuUbB]{0,2}/.exec(this.s.slice(this.i))![0].toLowerCase();
      if (!['', 'r', 'u', 'b', 'br', 'rb'].includes(prefix)) throw new Fail();
      const isBytes = prefix.includes('b');
      if (bytes !== undefined && bytes !== isBytes) throw new Fail(); // str + bytes
      bytes = isBytes;
      this.i += prefix.length;
      out += this.oneString(prefix.includes('r'));
      this.skip();
    } while (/^[rRuUbB]{0,2}['"]/.test(this.s.slice(this.i)));
    return out;
  }

  private oneString(raw: boolean): string {
    const q = this.s[this.i]!;
    const triple = this.s.startsWith(q.repeat(3), this.i);
    const end = triple ? q.repeat(3) : q;
    this.i += end.length;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) throw new Fail();
      if (this.s.startsWith(end, this.i)) {
        this.i += end.length;
        return out;
      }
      const c = this.s[this.i]!;
      if (c === '\n' && !triple) throw new Fail();
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const n = this.s[this.i + 1];
      if (n === undefined) throw new Fail();
      if (raw) {
        out += `\\${n}`;
        this.i += 2;
        continue;
      }
      this.i += 2;
      if (n in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[n];
      else if (/[0-7]/.test(n)) {
        const oct = /^[0-7]{1,3}/.exec(this.s.slice(this.i - 1))![0];
        out += String.fromCharCode(Number.parseInt(oct, 8));
        this.i += oct.length - 1;
      } else if (n === 'x' || n === 'u' || n === 'U') {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new Fail();
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        this.i += len;
      } else out += `\\${n}`; // an unknown escape stays as written
    }
  }
}
