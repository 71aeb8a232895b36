/**
 * Reads a Jenkinsfile the way the pipeline tests need: its shell steps, written as
 * `sh(label: 'NAME', [returnStatus: true,] script: '''...''')`, and runs one of them as Jenkins'
 * `sh` step does (the script in a file, `sh -xe FILE`, in the workspace, with the environment).
 * A triple-single-quoted Groovy string is taken as is: with no `$`-interpolation and no backslash
 * in it (checked), Groovy hands the shell exactly the text between the quotes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

export interface ShStep {
  label: string;
  returnStatus: boolean;
  script: string;
}

const STEP = /\bsh\(\s*label:\s*'([^']+)',\s*(returnStatus:\s*true,\s*)?script:\s*'''([\s\S]*?)'''\s*\)/g;

export function shSteps(jenkinsfile: string): ShStep[] {
  return [...jenkinsfile.matchAll(STEP)].map((m) => ({ label: m[1]!, returnStatus: Boolean(m[2]), script: m[3]! }));
}

/** Every `sh` call of the file, whatever its form (to prove none escapes shSteps). */
export function countShCalls(jenkinsfile: string): number {
  return [...jenkinsfile.replace(/^\s*\/\/.*$/gm, '').matchAll(/\bsh\s*[('"]/g)].length;
}

export interface StepResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runShStep(step: ShStep, workspace: string, env: Record<string, string>): Promise<StepResult> {
  const tmp = `${workspace}@tmp`;
  mkdirSync(workspace, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const file = path.join(tmp, `${step.label.replace(/\W+/g, '-')}.sh`);
  writeFileSync(file, step.script);
  const r = await execa('sh', ['-xe', file], { cwd: workspace, env, extendEnv: false, reject: false, timeout: 900_000 });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
