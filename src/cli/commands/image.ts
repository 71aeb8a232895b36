/** `wpha image ...`: versioned images (generations) of the lab, that machines are made from. */
import type { Command } from 'commander';
import path from 'node:path';
import { labConfig } from '../../lab/config.js';
import { Lab } from '../../lab/lab.js';
import { buildGeneration } from '../../lab/generation-build.js';
import { deleteGeneration, generationUsers, listGenerations, readGeneration, type GenerationManifest } from '../../lab/generations.js';
import { diffPackages, formatPackageDiff } from '../../lab/package-diff.js';
import { UserError } from '../../errors.js';

const say = (s: string) => process.stderr.write(`${s}\n`);
const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

function known(id: string): GenerationManifest {
  const g = readGeneration(labConfig(), id);
  if (!g) throw new UserError(`Unknown image generation "${id}": see \`wpha image list\``);
  return g;
}

export function formatGenerations(gens: GenerationManifest[], users: (id: string) => string[]): string {
  const rows = gens.map((g) => {
    const from = g.kind === 'derived' ? `from ${g.parent}` : g.kind;
    const what = [g.upgraded ? 'full-upgrade' : '', g.script_sha256 ? `script ${g.script_sha256.slice(0, 12)}` : '', g.note ?? ''].filter(Boolean).join(', ');
    const used = users(g.id);
    return `${g.id.padEnd(6)} ${g.built.slice(0, 19).replace('T', ' ')}  ${from.padEnd(10)} ${String(Object.keys(g.packages).length).padStart(4)} pkgs ${g.kind === 'base' ? '' : mb(g.bytes).padStart(9)}  ${what}${used.length ? `  [in use: ${used.join('; ')}]` : ''}`;
  });
  return rows.length ? rows.join('\n') + '\n' : 'no image generation (the base image is built by `wpha lab up`)\n';
}

export function register(program: Command): void {
  const image = program
    .command('image')
    .description('Versioned lab images (generations) that machines are made from and upgrades move between')
    .addHelpText(
      'after',
      `
Generations live beside the lab's base image, in $WPHA_LAB_CACHE/images/ (default
/var/cache/wpha/lab/images/). "base" is the base image itself; it is never changed in place.

Examples:
  wpha image build --from base              # base + apt-get full-upgrade (about a minute)
  wpha image build --from g1 --script fix.sh --no-upgrade --note "php.ini tweak"
  wpha image build                          # a whole new root: debootstrap + full-upgrade
  wpha image list
  wpha image diff base g1                   # package versions that changed
  wpha image delete g1                      # refused while a host or a generation uses it`,
    );

  image
    .command('build')
    .description('Build a new generation: derived from another (--from) or a whole new root (debootstrap), then apt-get full-upgrade and a manifest of package versions')
    .option('--from <generation>', 'derive from this generation (only the changes are stored)')
    .option('--no-upgrade', 'skip apt-get full-upgrade (with --script: a small change only)')
    .option('--script <file>', 'shell script run as root inside the image after the upgrade')
    .option('--note <text>', 'a note shown by `wpha image list`')
    .action(async (o: { from?: string; upgrade: boolean; script?: string; note?: string }) => {
      const c = labConfig();
      await new Lab(c, say).ensureInfrastructure(); // the package proxy the build goes through
      const t0 = Date.now();
      const g = await buildGeneration(
        c,
        { ...(o.from ? { from: o.from } : {}), upgrade: o.upgrade, ...(o.script ? { script: path.resolve(o.script) } : {}), ...(o.note ? { note: o.note } : {}) },
        say,
      );
      const parent = g.parent ? readGeneration(c, g.parent) : undefined;
      process.stdout.write(`${g.id}\n`);
      say(`Built image generation ${g.id} (${g.kind}${g.parent ? ` from ${g.parent}` : ''}, ${Object.keys(g.packages).length} packages, ${mb(g.bytes)}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (parent) say(`Changes from ${parent.id}:\n${formatPackageDiff(diffPackages(parent.packages, g.packages)).trimEnd()}`);
    });

  image
    .command('list')
    .description('List the generations (base first), what each was built from and what uses it')
    .option('--json', 'machine-readable output (manifests without their package lists)')
    .action((o: { json?: boolean }) => {
      const c = labConfig();
      const gens = listGenerations(c);
      if (o.json) {
        const out = gens.map(({ packages, ...g }) => ({ ...g, packageCount: Object.keys(packages).length, usedBy: generationUsers(c, g.id) }));
        return void process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      }
      process.stdout.write(formatGenerations(gens, (id) => generationUsers(c, id)));
    });

  image
    .command('show <generation>')
    .description("Show a generation's manifest: how it was built and its package versions")
    .action((id: string) => {
      process.stdout.write(JSON.stringify(known(id), null, 2) + '\n');
    });

  image
    .command('diff <from> <to>')
    .description('Package versions that differ between two generations')
    .action((from: string, to: string) => {
      process.stdout.write(formatPackageDiff(diffPackages(known(from).packages, known(to).packages)));
    });

  image
    .command('delete <generation>')
    .description('Delete a generation that nothing uses (no host made from it, no generation derived from it)')
    .action((id: string) => {
      deleteGeneration(labConfig(), id);
      say(`Deleted image generation ${id}`);
    });
}
