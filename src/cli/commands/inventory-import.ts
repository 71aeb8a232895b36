/**
 * `wpha inventory import FILE [-o DIR]`: an Ansible inventory (INI, YAML, or the JSON of
 * `ansible-inventory --list`, with the group_vars/ and host_vars/ beside it) as a wpha
 * inventory.yaml. Everything not imported is reported with file:line (exit 1); the inventory is
 * written anyway so that the user can finish it by hand.
 */
import type { Command } from 'commander';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { ExitCode, UserError } from '../../errors.js';
import { readAnsibleSource } from '../../inventory/import/ansible-sources.js';
import { ansibleToWpha, type ImportResult } from '../../inventory/import/ansible-to-wpha.js';
import { displayPath } from '../../yaml/read.js';

export function importAnsible(file: string, cwd = process.cwd()): ImportResult & { text: string } {
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs)) throw new UserError(`Cannot import "${file}": no such file`);
  const result = ansibleToWpha(readAnsibleSource(abs, displayPath(abs, cwd)));
  const header = [
    `# Imported from the Ansible inventory ${displayPath(abs, cwd)} by \`wpha inventory import\`.`,
    '# Give groups their roles (groups.<name>.roles) and check docs/migrating-from-ansible.md.',
  ];
  return { ...result, text: `${header.join('\n')}\n${stringify(result.doc, { lineWidth: 0 })}` };
}

export function registerImport(inventory: Command): void {
  inventory
    .command('import <file>')
    .description('Convert an Ansible inventory (INI, YAML, or ansible-inventory --list JSON) into a wpha inventory')
    .option('-o, --out <dir>', 'write <dir>/inventory.yaml (default: print it)')
    .option('--force', 'replace an existing <dir>/inventory.yaml')
    .addHelpText(
      'after',
      `
Groups, children, host ranges (web[01:10], db-[a:f]), :vars, host vars and the group_vars/ and
host_vars/ folders beside FILE are imported; ansible_host, ansible_port, ansible_user,
ansible_become, the key file and a jump host become wpha connection settings. The result
resolves to the same hosts, groups and variables as \`ansible-inventory -i FILE --list\`.
What cannot be mapped (a dynamic inventory script, password logins, other connection plugins,
names wpha refuses) is listed with file:line; Jinja in values is kept as text and listed.

Examples:
  wpha inventory import hosts.ini                     # print the wpha inventory
  wpha inventory import production.yml -o inventories/prod
  ansible-inventory -i ec2.yml --list > hosts.json && wpha inventory import hosts.json -o inventories/aws

Exit status: 0 everything imported, 1 something was left out (listed on stderr), 64 usage.`,
    )
    .action((file: string, o: { out?: string; force?: boolean }) => {
      const r = importAnsible(file);
      if (o.out) {
        const target = path.join(o.out, 'inventory.yaml');
        if (existsSync(target) && !o.force) throw new UserError(`Cannot write "${target}": it exists (pass --force to replace it)`);
        mkdirSync(o.out, { recursive: true });
        writeFileSync(target, r.text);
        process.stderr.write(`wrote ${target}\n`);
      } else process.stdout.write(r.text);
      for (const n of r.notes) process.stderr.write(`note: ${n.where.file}:${n.where.line}: ${n.message}\n`);
      for (const p of r.problems) process.stderr.write(`not imported: ${p.where.file}:${p.where.line}: ${p.message}\n`);
      process.exitCode = r.problems.length ? ExitCode.failed : ExitCode.ok;
    });
}
