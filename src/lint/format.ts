/**
 * Findings as text (`file:line:col: level rule: message`), JSON, or SARIF 2.1.0 (the format code
 * scanning services read: one run, the rules with their default level, one result per finding
 * with a physical location relative to the working folder).
 */
import { RULE_IDS, RULES, type Finding } from './rules.js';

export type LintFormat = 'text' | 'json' | 'sarif';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const counts = (findings: readonly Finding[]) => ({
  error: findings.filter((f) => f.level === 'error').length,
  warning: findings.filter((f) => f.level === 'warning').length,
  note: findings.filter((f) => f.level === 'note').length,
});

export function formatText(findings: readonly Finding[], checked: string): string {
  const lines = findings.map((f) => `${f.file}:${f.line}:${f.col}: ${f.level} ${f.rule}: ${f.message}`);
  const c = counts(findings);
  lines.push(findings.length === 0 ? `wpha lint: ${checked}: no findings` : `wpha lint: ${checked}: ${c.error} error(s), ${c.warning} warning(s), ${c.note} note(s)`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(findings: readonly Finding[]): string {
  return `${JSON.stringify({ findings, summary: counts(findings) }, null, 2)}\n`;
}

export function formatSarif(findings: readonly Finding[], version: string): string {
  const rules = RULE_IDS.map((id) => ({
    id,
    name: id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
    shortDescription: { text: RULES[id].summary },
    defaultConfiguration: { level: RULES[id].level },
  }));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'wpha-lint', version, rules } },
        columnKind: 'unicodeCodePoints',
        originalUriBaseIds: { SRCROOT: { description: { text: 'The folder wpha lint ran in' } } },
        results: findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: RULE_IDS.indexOf(f.rule),
          level: f.level,
          message: { text: f.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(f.file.split('\\').join('/')), uriBaseId: 'SRCROOT' }, region: { startLine: f.line, startColumn: f.col } } }],
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
