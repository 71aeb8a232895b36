/**
 * The stdout of the first script of a locked run, up to the line that answers it (its DONE line):
 * that script's channel stays open after it (its shell holds the run lock), so the answer cannot
 * wait for the channel's end. Capped like every exec's output (OUTPUT_CAP_BYTES: a host printing
 * without end cannot exhaust the controller's memory), and nothing is kept once it has answered.
 */
import { OUTPUT_CAP_BYTES, type ExecResult } from '../transport/connector.js';

export class AnswerLine {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;
  /** The last bytes seen: the line can arrive split across chunks. */
  private tail = '';
  private answer: ExecResult | undefined;

  constructor(
    private readonly line: string,
    private readonly cap = OUTPUT_CAP_BYTES,
  ) {}

  /** Takes a chunk; returns the answer once the line has arrived (only that once). */
  push(chunk: Buffer): ExecResult | undefined {
    if (this.answer) return undefined;
    if (this.size + chunk.length > this.cap) this.truncated = true;
    else {
      this.size += chunk.length;
      this.chunks.push(chunk);
    }
    this.tail = (this.tail + chunk.toString('latin1')).slice(-(this.line.length + 64));
    if (!this.tail.includes(this.line)) return undefined;
    this.answer = { code: 0, stdout: Buffer.concat(this.chunks), stderr: Buffer.alloc(0), truncated: this.truncated };
    this.chunks.length = 0;
    return this.answer;
  }
}
