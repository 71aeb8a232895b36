/** `wpha schema`: write the JSON Schemas of inventory.yaml, vars files, role.yaml and roles/shared.yaml. */
import type { Command } from 'commander';
import path from 'node:path';
import { defaultKnownOps } from '../../inventory/known-ops.js';
import { writeJsonSchemas } from '../json-schema.js';
import type { KnownOps } from '../../roles/schema.js';

export async function schemaCommand(opts: { out: string; cwd?: string; knownOps?: KnownOps }): Promise<string> {
  const outDir = path.resolve(opts.cwd ?? process.cwd(), opts.out);
  const written = await writeJsonSchemas(outDir, opts.knownOps ?? (await defaultKnownOps()));
  return written.map((f) => `wrote ${f}\n`).join('');
}

export function register(program: Command): void {
  program
    .command('schema')
    .description('Write JSON Schemas for inventory.yaml, group_vars/host_vars files, role.yaml and roles/shared.yaml (for editors)')
    .option('--out <dir>', 'output folder', 'schemas')
    .action(async (o: { out: string }) => {
      process.stdout.write(await schemaCommand(o));
    });
}
