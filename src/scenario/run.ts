/**
 * `wpha test`: find the scenarios of the roles asked for, validate all of them first (one
 * report of every problem), group shared ones into run units, run each unit (lab or render) and
 * report per scenario: which checks failed, on which host, and why.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError, UserError, type InputIssue } from '../errors.js';
import { projectRoot, shippedRolesDir } from '../paths.js';
import { availableRoles, findRoleDir } from '../roles/load.js';
import { didYouMean } from '../yaml/suggest.js';
import { loadScenario, scenarioPath, scenariosOf, TESTS_DIR, type Scenario } from './load.js';
import { runLabUnit, type UnitOutcome } from './run-lab.js';
import { runRenderUnit } from './render.js';
import { planUnits } from './units.js';

export interface TestRequest {
  roles: string[];
  all: boolean;
  scenario: string;
  keep: boolean;
  share: boolean;
  verbose: boolean;
  cwd: string;
  say: (line: string) => void;
  signal?: AbortSignal;
}

export function roleSearchDirs(cwd: string): string[] {
  return [path.join(cwd, 'roles'), shippedRolesDir(projectRoot())];
}

/** Every scenario asked for, validated; throws one InputError listing every problem. */
export async function collectScenarios(req: Pick<TestRequest, 'roles' | 'all' | 'scenario' | 'cwd'>): Promise<Scenario[]> {
  const dirs = roleSearchDirs(req.cwd);
  const names = req.all ? availableRoles(dirs).filter((r) => existsSync(scenarioPath(findRoleDir(r, dirs)!, req.scenario))) : req.roles;
  if (names.length === 0) throw new UserError(req.all ? `No role has a scenario "${req.scenario}" (roles/<name>/${TESTS_DIR}/${req.scenario}.yaml)` : 'Name a role to test, or pass --all');
  const scenarios: Scenario[] = [];
  const issues: InputIssue[] = [];
  for (const role of names) {
    const dir = findRoleDir(role, dirs);
    if (!dir) throw new UserError(`Unknown role "${role}"${didYouMean(role, availableRoles(dirs)) || ' (no roles/<name>/role.yaml here or among the shipped roles)'}`);
    if (!existsSync(scenarioPath(dir, req.scenario))) {
      const have = scenariosOf(dir);
      throw new UserError(
        `Role "${role}" has no scenario "${req.scenario}" (${path.relative(req.cwd, scenarioPath(dir, req.scenario))})${have.length ? `; it has ${have.map((s) => `"${s}"`).join(', ')}` : ''}`,
      );
    }
    try {
      scenarios.push(await loadScenario(role, dir, req.scenario, req.cwd));
    } catch (e) {
      if (e instanceof InputError) issues.push(...e.issues);
      else throw e;
    }
  }
  if (issues.length) throw new InputError(issues, 'Invalid scenarios');
  return scenarios;
}

/** Runs everything asked for; returns true when every scenario passed. */
export async function runTests(req: TestRequest): Promise<boolean> {
  const scenarios = await collectScenarios(req);
  const units = planUnits(scenarios, { share: req.share });
  const passed: string[] = [];
  const failed: string[] = [];
  for (const [i, u] of units.entries()) {
    if (req.signal?.aborted) break;
    req.say(`[${i + 1}/${units.length}] ${u.scenarios.map((s) => s.id).join(', ')} (${u.kind === 'render' ? 'rendered' : `${u.hosts.length} lab host(s)`}: ${u.hosts.join(', ')})`);
    let outcome: UnitOutcome;
    try {
      outcome = u.kind === 'render' ? await runRenderUnit(u, req.say) : await runLabUnit(u, { keep: req.keep, verbose: req.verbose, say: req.say, ...(req.signal ? { signal: req.signal } : {}) });
    } catch (e) {
      if (e instanceof InputError) throw e;
      outcome = { ok: false, failures: [(e as Error).message], checks: [] };
    }
    if (!outcome.printed) for (const f of outcome.failures) req.say(`  ! ${f}`);
    for (const s of u.scenarios) {
      const mine = outcome.checks.filter((c) => c.scenario === s.id);
      for (const c of mine.filter((x) => !x.verdict.ok)) req.say(`  FAIL ${s.id} [${c.host}] ${c.label}: ${c.verdict.problems.join('; ')}`);
      const ok = outcome.failures.length === 0 && mine.length > 0 && mine.every((c) => c.verdict.ok);
      (ok ? passed : failed).push(s.id);
      req.say(`  ${ok ? 'PASS' : 'FAIL'} ${s.id}: ${mine.filter((c) => c.verdict.ok).length}/${mine.length} check(s)`);
    }
    if (outcome.kept)
      req.say(
        `  kept: ${outcome.kept.hosts.join(', ')} (inventory ${outcome.kept.inventory}); look around with \`wpha lab ssh ${outcome.kept.hosts[0]}\`, remove with \`wpha lab destroy ${outcome.kept.hosts.join(' ')}\``,
      );
  }
  req.say(`${failed.length === 0 && !req.signal?.aborted ? 'PASSED' : 'FAILED'}: ${passed.length} scenario(s) passed${failed.length ? `, ${failed.length} failed (${failed.join(', ')})` : ''}`);
  return failed.length === 0 && !req.signal?.aborted;
}
