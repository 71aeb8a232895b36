/**
 * Inline suppressions. A comment holding `wpha-lint: disable=ID[,ID] reason` (YAML `#`, or a
 * Handlebars `{{!-- --}}` comment in a template) silences those rules on its own line, or, when
 * it stands alone on its line, on the next line that is not a comment. `disable-file=ID reason`
 * silences them in the whole file. The reason is required (a suppression without one is not
 * honoured and is itself an error), and a suppression that silences nothing is reported, so
 * suppressions never outlive what they excuse.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { finding, RULES, type Finding, type RuleId } from './rules.js';

const MARK = /wpha-lint:\s*(disable|disable-file)=([A-Za-z0-9_,-]+)[ \t]*([^\n]*?)\s*(--\}\}|\}\})?\s*$/;

interface Suppression {
  file: string;
  line: number;
  col: number;
  ids: string[];
  /** Line silenced; undefined for the whole file. */
  target?: number;
  used: boolean;
}

function scan(file: string, text: string): { suppressions: Suppression[]; problems: Finding[] } {
  const lines = text.split('\n');
  const suppressions: Suppression[] = [];
  const problems: Finding[] = [];
  lines.forEach((line, i) => {
    const m = MARK.exec(line);
    if (!m) return;
    const at = { file, line: i + 1, col: m.index + 1 };
    const reason = m[3]!.trim();
    if (reason === '') {
      problems.push(finding('suppression-reason', at, `Suppression of ${m[2]} gives no reason: write why after the rule ids (it is not honoured until then)`));
      return;
    }
    const ids = m[2]!.split(',').filter(Boolean);
    let target: number | undefined;
    if (m[1] === 'disable') {
      const before = line
        .slice(0, m.index)
        .replace(/(#|\{\{!(--)?)\s*$/, '')
        .trim();
      target = i + 1;
      if (before === '') {
        let j = i + 1;
        while (j < lines.length && /^\s*(#.*|\{\{!.*)?$/.test(lines[j]!)) j++;
        target = j + 1;
      }
    }
    suppressions.push({ ...at, ids, ...(target !== undefined ? { target } : {}), used: false });
  });
  return { suppressions, problems };
}

/** Removes suppressed findings; adds the problems of the suppressions themselves. */
export function applySuppressions(findings: Finding[], cwd: string, extraFiles: readonly string[] = []): Finding[] {
  const files = [...new Set([...findings.map((f) => f.file), ...extraFiles])];
  const all: Suppression[] = [];
  const out: Finding[] = [];
  for (const file of files) {
    const abs = path.resolve(cwd, file);
    if (!existsSync(abs)) continue;
    const r = scan(file, readFileSync(abs, 'utf8'));
    all.push(...r.suppressions);
    out.push(...r.problems);
  }
  for (const f of findings) {
    const s = all.find((x) => x.file === f.file && x.ids.includes(f.rule) && (x.target === undefined || x.target === f.line));
    if (s) s.used = true;
    else out.push(f);
  }
  for (const s of all) {
    const unknown = s.ids.filter((id) => !Object.hasOwn(RULES, id));
    if (unknown.length) out.push(finding('suppression-unused', s, `Suppression names unknown rule(s) ${unknown.map((u) => `"${u}"`).join(', ')}; rules: ${Object.keys(RULES).join(', ')}`));
    else if (!s.used) out.push(finding('suppression-unused', s, `Suppression of ${s.ids.join(', ')} silences nothing here: remove it`));
  }
  return out;
}

export type { RuleId };
