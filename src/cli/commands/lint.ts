/** `wpha lint [PATH]`: check roles and inventories for mistakes the loader cannot call errors. */
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, UserError } from '../../errors.js';
import { formatJson, formatSarif, formatText, type LintFormat } from '../../lint/format.js';
import { lint } from '../../lint/lint.js';
import { RULE_IDS, RULES } from '../../lint/rules.js';
import { projectRoot } from '../../paths.js';

/** Exit statuses for CI: 0 no error-level finding, 1 error-level findings, 2 usage or load error. */
export const LINT_EXIT = { clean: 0, findings: 1, usage: 2 } as const;

export async function lintCommand(target: string, opts: { format: LintFormat; cwd?: string }): Promise<{ output: string; errors: string; exit: number }> {
  const cwd = opts.cwd ?? process.cwd();
  try {
    const r = await lint(target, cwd);
    const version = (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
    const output = opts.format === 'json' ? formatJson(r.findings) : opts.format === 'sarif' ? formatSarif(r.findings, version) : formatText(r.findings, r.checked);
    return { output, errors: '', exit: r.findings.some((f) => f.level === 'error') ? LINT_EXIT.findings : LINT_EXIT.clean };
  } catch (e) {
    if (e instanceof InputError || e instanceof UserError) return { output: '', errors: `wpha: ${e.message}\n`, exit: LINT_EXIT.usage };
    throw e;
  }
}

export function register(program: Command): void {
  program
    .command('lint')
    .argument('[path]', 'a role folder, an inventory folder, or a project holding roles/ and inventories/', '.')
    .description(
      'Check roles and inventories: unused or undeclared variables, handlers never notified, commands an operation does better, secrets in plain text, unchecked service configs, undeclared ports',
    )
    .option(
      '-f, --format <format>',
      'text, json or sarif (SARIF 2.1.0, for code scanning)',
      (v) => {
        if (!['text', 'json', 'sarif'].includes(v)) throw new UserError(`--format takes text, json or sarif, not "${v}"`);
        return v;
      },
      'text',
    )
    .addHelpText(
      'after',
      `
Rules (stable ids; silence one on a line with \`# wpha-lint: disable=ID reason\`, or a whole file
with \`# wpha-lint: disable-file=ID reason\`; the reason is required):
${RULE_IDS.map((id) => `  ${id.padEnd(22)} ${RULES[id].level.padEnd(8)} ${RULES[id].summary}`).join('\n')}

Examples:
  wpha lint                           # ./roles and ./inventories
  wpha lint roles/nginx
  wpha lint --format sarif > wpha.sarif

Exit status: 0 no error-level finding, 1 error-level findings, 2 usage error or a file that does
not load. See docs/lint.md.`,
    )
    .action(async (target: string, o: { format: LintFormat }) => {
      const r = await lintCommand(target, o);
      process.stdout.write(r.output);
      process.stderr.write(r.errors);
      process.exitCode = r.exit;
    });
}
