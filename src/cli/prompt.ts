/** A hidden prompt on the terminal (passwords and passphrases). */
import { createInterface } from 'node:readline';
import { UserError } from '../errors.js';

export async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new UserError('Cannot ask for a password: standard input is not a terminal (set become_password in the vault instead)');
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(question);
    out._writeToOutput = () => {};
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
