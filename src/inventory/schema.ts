/**
 * zod schemas of inventory.yaml and of group_vars/host_vars files: the single source of truth
 * for validation, for the generated JSON Schema (`wpha schema`) and for docs/inventory.md.
 * Defaults are applied by the loader, not here, so the JSON Schema shows what a user may write.
 */
import { z } from 'zod';
import { GROUP_NAME, GROUP_NAME_RULE, HOST_NAME, HOST_NAME_RULE, ROLE_NAME, ROLE_NAME_RULE, UNIX_USER, VAR_NAME, VAR_NAME_RULE, isValidAddress, isValidProxyJump } from '../spec/names.js';
import { COUNT_TEXT, PERCENT_TEXT } from '../rollout/batch-size.js';
import { MachinesSchema, ProviderSchema, UpgradeSchema } from '../spec/machines.js';
import { PortNumberSchema } from '../spec/port.js';
import { SourcesSchema } from './schema-sources.js';

const UserSchema = z.string({ error: 'Expected a user name' }).regex(UNIX_USER, { error: 'Expected a Unix user name (lowercase letters, digits, "_" and "-")' });

/** Var maps: names are identifiers; values are checked later against the roles' variable schemas. */
export const VarsSchema = z
  .record(z.string().regex(VAR_NAME, { error: VAR_NAME_RULE }), z.unknown().describe('Any YAML value. Mark secrets with the !secret tag.'), {
    error: 'Expected a map of variables',
  })
  .describe('Variables, by name. Maps are replaced as a whole by a higher-precedence level, never deep-merged.');

export const SshSchema = z
  .strictObject(
    {
      key: z.string({ error: 'Expected a file path' }).min(1).optional().describe('Private key file, relative to the inventory folder ("~" is $HOME). Absent: ssh-agent is used.'),
      known_hosts: z.string({ error: 'Expected a file path' }).min(1).optional().describe('known_hosts file host keys are checked against. Default: <inventory>/known_hosts (lab: the lab state dir).'),
      proxy_jump: z
        .string({ error: 'Expected [user@]host[:port]' })
        .refine(isValidProxyJump, { error: 'Expected [user@]host[:port]' })
        .optional()
        .describe('Bastion to jump through, as [user@]host[:port].'),
      connect_timeout: z
        .number({ error: 'Expected a number of seconds' })
        .positive({ error: 'Expected a positive number of seconds' })
        .max(600, { error: 'Expected at most 600 seconds' })
        .optional()
        .describe('Seconds to wait for the SSH connection. Default 10.'),
    },
    { error: 'Expected a map of SSH settings' },
  )
  .describe('SSH connection settings.');

const connectionFields = {
  port: PortNumberSchema.optional().describe('SSH port. Default 22.'),
  user: UserSchema.optional().describe('SSH user. Default root.'),
  become: z.boolean({ error: 'Expected true or false' }).optional().describe('Run as root through sudo. Default: true when the user is not root.'),
  connection: z
    .enum(['ssh', 'local'], { error: 'Expected "ssh" or "local"' })
    .optional()
    .describe('How wpha reaches the host: "ssh" (default), or "local" to run on the machine wpha runs on (the controller, an image being built), as the user running wpha.'),
  ssh: SshSchema.optional(),
};

export const DefaultsSchema = z.strictObject(connectionFields, { error: 'Expected a map of connection defaults' }).describe('Connection defaults for every host.');

export const HostSchema = z
  .strictObject(
    {
      address: z
        .string({ error: 'Expected an IPv4 address, an IPv6 address or a DNS name' })
        .refine(isValidAddress, { error: 'Expected an IPv4 address, an IPv6 address or a DNS name' })
        .describe('IPv4 address, IPv6 address or DNS name to connect to.'),
      ...connectionFields,
      vars: VarsSchema.optional().describe('Variables of this host (highest precedence except -e).'),
    },
    { error: 'Expected a map with the host\'s "address" and settings' },
  )
  .describe('One host.');

const listOf = <T extends z.ZodType>(item: T, what: string) => z.array(item, { error: `Expected a list of ${what}` });

const BATCH_SIZE_RULE = 'Expected a batch size: a whole number of hosts (1 or more) or a percentage from "1%" to "100%"';
// Type first, then a refinement: zod keeps a refinement's message (and reports each bad list item
// at its own line) where a union of constrained types would only say that no option matched.
const BatchSizeSchema = z
  .union([z.number(), z.string()], { error: BATCH_SIZE_RULE })
  .refine((v) => (typeof v === 'number' ? Number.isSafeInteger(v) && v >= 1 : COUNT_TEXT.test(v) || PERCENT_TEXT.test(v)), { error: BATCH_SIZE_RULE });

/** Rolling batches, as Ansible's `serial`: one size, or a list whose last entry repeats. */
export const SerialSchema = z
  .union([BatchSizeSchema, z.array(BatchSizeSchema, { error: BATCH_SIZE_RULE }).min(1, { error: 'Expected at least one batch size' })], { error: `${BATCH_SIZE_RULE}, or a list of them` })
  .describe(
    'Apply the group\'s hosts in batches: a host count (3), a percentage of the group\'s hosts in the run ("25%", rounded down, at least 1), or a list such as [1, "25%", "100%"] whose last entry repeats. A batch starts only when the previous one finished. See docs/rollout.md.',
  );

const PERCENT_RULE = 'Expected a percentage from 0 to 100 (a number, or a string such as "25%")';
export const MaxFailPercentageSchema = z
  .union([z.number(), z.string()], { error: PERCENT_RULE })
  .refine((v) => (typeof v === 'number' ? v >= 0 && v <= 100 : /^([0-9]|[1-9][0-9]|100)%$/.test(v)), { error: PERCENT_RULE })
  .describe('Stop the run when more than this percentage of a batch of the group failed (0: any failure stops it). Without it, a batch whose hosts all failed stops the run. See docs/rollout.md.');

export const GroupSchema = z
  .strictObject(
    {
      hosts: listOf(z.string({ error: 'Expected a host name' }), 'host names')
        .optional()
        .describe('Hosts in this group.'),
      children: listOf(z.string({ error: 'Expected a group name' }), 'group names')
        .optional()
        .describe('Groups whose hosts are also members of this group.'),
      roles: listOf(z.string({ error: 'Expected a role name' }).regex(ROLE_NAME, { error: ROLE_NAME_RULE }), 'role names')
        .optional()
        .describe("Roles applied to the members, in order (each role's depends run first)."),
      vars: VarsSchema.optional().describe("Variables of the group's hosts."),
      serial: SerialSchema.optional(),
      max_fail_percentage: MaxFailPercentageSchema.optional(),
      machines: MachinesSchema.optional(),
      upgrade: UpgradeSchema.optional(),
    },
    { error: "Expected a map with the group's hosts, children, roles, vars, serial, max_fail_percentage, machines and upgrade" },
  )
  .describe('One group. "all" is implicit (every host) and may be declared to give it roles and vars.');

export const InventoryFileSchema = z
  .strictObject(
    {
      lab: z.boolean({ error: 'Expected true or false' }).optional().describe('The hosts are lab hosts that wpha may boot itself.'),
      defaults: DefaultsSchema.optional(),
      hosts: z.record(z.string().regex(HOST_NAME, { error: HOST_NAME_RULE }), HostSchema, { error: 'Expected a map of hosts by name' }).describe('Hosts by name.'),
      groups: z
        .record(z.string().regex(GROUP_NAME, { error: GROUP_NAME_RULE }), GroupSchema, { error: 'Expected a map of groups by name' })
        .optional()
        .describe('Groups by name, in precedence order: among sibling groups, the one declared later wins.'),
      vars: VarsSchema.optional().describe('Variables of group "all" (lowest inventory precedence).'),
      providers: z
        .record(z.string().regex(GROUP_NAME, { error: 'Expected a provider name of lowercase letters, digits, "_" and "-", starting with a letter' }), ProviderSchema, {
          error: 'Expected a map of providers by name',
        })
        .optional()
        .describe("Where machines come from, by name (a group's `machines.provider` names one)."),
      sources: SourcesSchema.optional(),
    },
    { error: 'Expected a map with "hosts" and optionally "defaults", "groups", "vars", "lab", "providers", "sources"' },
  )
  .describe('A wpha inventory (inventories/<name>/inventory.yaml).');

export type InventoryFile = z.infer<typeof InventoryFileSchema>;
export type HostEntry = z.infer<typeof HostSchema>;
export type GroupEntry = z.infer<typeof GroupSchema>;
export type ConnectionEntry = z.infer<typeof DefaultsSchema>;

/** group_vars/<group>.yaml and host_vars/<host>.yaml: a plain map of variables. */
export const VarsFileSchema = VarsSchema.describe('Variables of one group (group_vars/<group>.yaml) or host (host_vars/<host>.yaml).');
