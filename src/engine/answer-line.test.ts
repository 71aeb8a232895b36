import { describe, expect, it } from 'vitest';
import { AnswerLine } from './answer-line.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('AnswerLine', () => {
  it('answers with everything up to and including the line, once, even split across chunks', () => {
    const a = new AnswerLine('@@X DONE\n');
    expect(a.push(b('probe=1\n@@X DO'))).toBeUndefined();
    const r = a.push(b('NE\n'));
    expect(r).toEqual({ code: 0, stdout: b('probe=1\n@@X DONE\n'), stderr: Buffer.alloc(0), truncated: false });
    expect(a.push(b('later\n@@X DONE\n'))).toBeUndefined();
  });

  it('keeps at most the cap and says it dropped the rest, and still sees the line', () => {
    const a = new AnswerLine('@@X DONE\n', 10);
    expect(a.push(b('0123456789'))).toBeUndefined();
    expect(a.push(b('more that is dropped'))).toBeUndefined();
    expect(a.push(b('@@X DONE\n'))).toEqual({ code: 0, stdout: b('0123456789'), stderr: Buffer.alloc(0), truncated: true });
  });

  it('answers only on the whole line, its newline included', () => {
    const a = new AnswerLine('@@X DONE\n');
    expect(a.push(b('not @@X DONE yet'))).toBeUndefined();
  });
});
