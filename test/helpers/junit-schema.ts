/**
 * Validates a JUnit report against the schema Jenkins reads (test/rollout/fixtures/jenkins-junit.xsd,
 * written from the xUnit plugin's published junit-10.xsd) with xmllint from Debian's libxml2-utils.
 */
import path from 'node:path';
import { execa } from 'execa';

export const JUNIT_XSD = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../rollout/fixtures/jenkins-junit.xsd');

export async function validateJunit(file: string): Promise<{ ok: boolean; output: string }> {
  const r = await execa('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { reject: false });
  return { ok: r.exitCode === 0, output: `${r.stdout}${r.stderr}` };
}
