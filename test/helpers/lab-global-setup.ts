/**
 * Runs once before the lab test files: builds the base image and starts the bridge and package
 * proxy (so that parallel test files do not race to do it), and says clearly why the lab tests
 * cannot run when the machine lacks root or tools.
 */
import { Lab } from '../../src/lab/lab.js';
import { labConfig } from '../../src/lab/config.js';

export default async function setup(): Promise<void> {
  const t0 = Date.now();
  const lab = new Lab(labConfig(), (line) => process.stderr.write(`[lab] ${line}\n`));
  const r = await lab.ensureInfrastructure();
  if (r.imageBuilt) process.stderr.write(`[lab] base image built in ${r.imageSeconds.toFixed(1)} s\n`);
  process.stderr.write(`[lab] infrastructure ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
