/**
 * Tokenizer of the expression language. Hand-written (no regex over the whole input, no eval):
 * it only ever produces the token kinds below, so nothing a user writes can become code.
 */
import { ExpressionError } from './errors.js';

export type TokenType = 'number' | 'string' | 'ident' | 'punct' | 'eof';

export interface Token {
  readonly type: TokenType;
  /** Identifier or punctuation text; the decoded value of a string; the digits of a number. */
  readonly text: string;
  /** 0-based offsets into the source. */
  readonly start: number;
  readonly end: number;
}

const TWO_CHAR = ['==', '!=', '<=', '>=', '&&', '||'];
const ONE_CHAR = '()[],.<>!-';
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isIdentStart = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
const isIdentPart = (c: string): boolean => isIdentStart(c) || isDigit(c);

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (reason: string, at: number): never => {
    throw new ExpressionError('syntax', reason, source, at + 1);
  };
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (isDigit(c)) {
      const start = i;
      while (i < source.length && isDigit(source[i]!)) i++;
      if (source[i] === '.' && isDigit(source[i + 1] ?? '')) {
        i++;
        while (i < source.length && isDigit(source[i]!)) i++;
      }
      if (i < source.length && isIdentStart(source[i]!)) fail(`Invalid number "${source.slice(start, i + 1)}"`, start);
      tokens.push({ type: 'number', text: source.slice(start, i), start, end: i });
    } else if (isIdentStart(c)) {
      const start = i;
      while (i < source.length && isIdentPart(source[i]!)) i++;
      tokens.push({ type: 'ident', text: source.slice(start, i), start, end: i });
    } else if (c === "'" || c === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) fail('Unterminated string', start);
        const ch = source[i]!;
        if (ch === c) break;
        if (ch === '\\') {
          const esc = source[i + 1] ?? '';
          if (esc === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(i + 2, i + 6))) {
            value += String.fromCharCode(parseInt(source.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          const decoded = ESCAPES[esc];
          if (decoded === undefined) fail(`Unknown escape "\\${esc}" in string`, i);
          value += decoded;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      i++;
      tokens.push({ type: 'string', text: value, start, end: i });
    } else {
      const two = source.slice(i, i + 2);
      if (TWO_CHAR.includes(two)) {
        tokens.push({ type: 'punct', text: two, start: i, end: i + 2 });
        i += 2;
      } else if (ONE_CHAR.includes(c)) {
        tokens.push({ type: 'punct', text: c, start: i, end: i + 1 });
        i++;
      } else {
        fail(`Unexpected "${c}"${hintFor(c)}`, i);
      }
    }
  }
  tokens.push({ type: 'eof', text: '', start: source.length, end: source.length });
  return tokens;
}

/** Characters people bring from Jinja or JavaScript. */
function hintFor(c: string): string {
  switch (c) {
    case '=':
      return '; use "==" to compare';
    case '|':
      return '; filters are not supported, call a function instead, e.g. lower(x)';
    case '&':
      return '; use "and"';
    case '{':
    case '}':
      return '; a `when` expression is written without {{ }}';
    default:
      return '';
  }
}
