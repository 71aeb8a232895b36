/**
 * The rules of `wpha lint`: stable ids (used in suppressions, JSON and SARIF), a default level,
 * and what each checks. Ids never change meaning; a retired rule keeps its id unused.
 */

export type Level = 'error' | 'warning' | 'note';

export interface Finding {
  rule: RuleId;
  level: Level;
  message: string;
  /** As shown (relative to the working folder when inside it). */
  file: string;
  line: number;
  col: number;
}

export const RULES = {
  'var-unused': { level: 'warning', summary: 'A variable the role declares is read by none of its tasks, handlers, templates, checks or ports' },
  'var-undeclared': { level: 'error', summary: 'A template or task reads a variable that neither the role, its dependencies nor the engine provide (strict templates fail at apply)' },
  'handler-unused': { level: 'warning', summary: 'A handler no task or handler notifies' },
  'command-instead-of-op': { level: 'warning', summary: 'A command or shell task does what an operation does (idempotent, planned, with a diff)' },
  'secret-plaintext': { level: 'error', summary: 'A secret variable is given in plain text (use a !vault value); lab inventories are exempt' },
  'validate-missing': { level: 'warning', summary: 'A configuration file of a service that has a checker is written without validate: or validate_live:' },
  'ports-mismatch': { level: 'warning', summary: "A role's templates listen on a port its ports: do not declare (the firewall drops it)" },
  'suppression-unused': { level: 'warning', summary: 'A wpha-lint: disable comment that suppresses nothing' },
  'suppression-reason': { level: 'error', summary: 'A wpha-lint: disable comment without a reason (it is not honoured)' },
} as const satisfies Record<string, { level: Level; summary: string }>;

export type RuleId = keyof typeof RULES;

export const RULE_IDS = Object.keys(RULES) as RuleId[];

export function finding(rule: RuleId, at: { file: string; line: number; col: number }, message: string, level: Level = RULES[rule].level): Finding {
  return { rule, level, message, file: at.file, line: at.line, col: at.col };
}
