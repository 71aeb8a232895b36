/** Running controller-side tools for the lab, with errors that say which command failed and why. */
import { WphaError } from '../errors.js';

export async function run(cmd: string, args: string[], opts: { input?: string; cwd?: string; allowFail?: boolean } = {}) {
  // Loaded on first use: most runs of wpha never start a lab tool, and execa costs ~90 ms to load.
  const { execa } = await import('execa');
  const r = await execa(cmd, args, { input: opts.input, cwd: opts.cwd, reject: false, stripFinalNewline: true });
  if (r.exitCode !== 0 && !opts.allowFail) {
    const tail = String(r.stderr || r.stdout)
      .trim()
      .split('\n')
      .slice(-8)
      .join('\n');
    throw new WphaError(`Command "${cmd} ${args.join(' ')}" failed (exit ${r.exitCode}): ${tail}`);
  }
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
