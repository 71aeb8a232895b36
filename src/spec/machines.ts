/**
 * Inventory keys for hosts that providers make: `providers:` (where machines come from), a
 * group's `machines:` (how its machines are made) and `upgrade:` (what `wpha upgrade` checks
 * before a new host serves, and what stops a roll). Part of InventoryFileSchema. Also where a
 * made host is in its life (the state file records it).
 */
import { z } from 'zod';

/**
 * Where a made host is in its life. `creating`: asked of the provider, not yet answering (no
 * address may be known). `canary`: answering, not serving yet. `serving`: a normal member.
 * `draining`: a member taking no new requests. `retiring`: out of every pool, to be destroyed.
 */
export const MACHINE_STATUSES = ['creating', 'canary', 'serving', 'draining', 'retiring'] as const;
export type MachineStatus = (typeof MACHINE_STATUSES)[number];

/** A duration: seconds, or a number with a unit (`500ms`, `30s`, `5m`, `1h`). */
export const DURATION = /^\d+(\.\d+)?(ms|s|m|h)?$/;
export const DurationSchema = z
  .union([z.number({ error: 'Expected a duration' }).nonnegative(), z.string().regex(DURATION, { error: 'Expected a duration such as 30s, 5m or 500ms' })], {
    error: 'Expected a duration such as 30s, 5m or 500ms',
  })
  .describe('A duration: seconds, or a number with ms, s, m or h.');

export function durationMs(d: number | string): number {
  if (typeof d === 'number') return Math.round(d * 1000);
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(d.trim());
  if (!m) throw new Error(`Invalid duration "${d}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

const name = z.string({ error: 'Expected a name' }).regex(/^[a-z][a-z0-9_-]*$/, { error: 'Expected a name of lowercase letters, digits, "_" and "-", starting with a letter' });

export const LabProviderSchema = z
  .strictObject({ type: z.literal('lab').describe('Lab hosts.') }, { error: 'Expected a map with "type: lab"' })
  .describe("Machines are lab hosts on this machine (systemd-nspawn), made from the lab's image generations (`wpha image`).");

export const ProxmoxProviderSchema = z
  .strictObject(
    {
      type: z.literal('proxmox').describe('Proxmox VE.'),
      url: z
        .string()
        .regex(/^https?:\/\/[^/\s]+(:\d+)?\/?$/, { error: 'Expected the API address, e.g. https://pve1.example.org:8006' })
        .describe('Proxmox VE API address (https://host:8006).'),
      node: z.string().min(1).describe('Cluster node the machines are made on.'),
      token_id: z
        .string()
        .regex(/^[^@\s]+@[^!\s]+![^\s]+$/, { error: 'Expected USER@REALM!TOKENID' })
        .describe('API token id, USER@REALM!TOKENID.'),
      token_secret: z.string().min(1).describe('API token secret (keep it in the vault: !vault).'),
      storage: z.string().min(1).optional().describe("Storage of the clones' disks (default: the template's)."),
      full_clone: z.boolean().optional().describe('Full clones (default true: a linked clone depends on its template).'),
      pool: z.string().min(1).optional().describe('Resource pool the machines are put in.'),
      addresses: z
        .array(z.string().regex(/^\d+\.\d+\.\d+\.\d+(-\d+\.\d+\.\d+\.\d+)?$/, { error: 'Expected an address or a range A-B' }))
        .min(1)
        .describe('Static addresses machines may take (addresses or ranges A-B).'),
      prefix_length: z.int().min(8).max(32).describe('Network prefix length of those addresses (e.g. 24).'),
      gateway: z.string().optional().describe('Default gateway written by cloud-init.'),
      nameservers: z.array(z.string()).optional().describe('DNS servers written by cloud-init.'),
      verify_tls: z.boolean().optional().describe("Check the API's TLS certificate (default true)."),
      ca_file: z.string().optional().describe("CA certificate (PEM) the API's certificate is checked against."),
      requests_per_second: z.number().positive().optional().describe('Cap on API requests per second (default 5).'),
    },
    { error: 'Expected a map of Proxmox settings' },
  )
  .describe('Machines are Proxmox VE virtual machines cloned from a template (cloud-init for address and SSH key).');

export type ProxmoxProviderSpec = z.infer<typeof ProxmoxProviderSchema>;

export const ProviderSchema = z.discriminatedUnion('type', [LabProviderSchema, ProxmoxProviderSchema], { error: 'Expected "type: lab" or "type: proxmox"' });
export type ProviderSpec = z.infer<typeof ProviderSchema>;

export const SizeSchema = z
  .strictObject({
    cpus: z.int().min(1).max(512).optional().describe('Virtual CPUs (default 1).'),
    memory_mb: z.int().min(128).optional().describe('Memory in MiB (default 1024).'),
    disk_gb: z.int().min(1).optional().describe("Disk size in GiB (default: the image's)."),
  })
  .describe("Size of each machine (the lab records it; its hosts share this machine's CPUs and memory).");

export const MachinesSchema = z
  .strictObject(
    {
      provider: name.describe('The provider (a key of `providers:`) that makes the machines.'),
      image: z.string().min(1).describe('Image generation new machines start from until an upgrade moves the group (`wpha image list`; Proxmox: a template name or VMID).'),
      count: z.int().min(0).max(500).optional().describe('How many machines `wpha machines create` brings the group to.'),
      size: SizeSchema.optional(),
      name_prefix: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,30}$/, { error: 'Expected lowercase letters, digits and "-", starting with a letter' })
        .optional()
        .describe('Machine names are <prefix>-<4 hex> (default: the group name).'),
    },
    { error: "Expected a map with the machines' provider and image" },
  )
  .describe('Hosts of this group that a provider makes (and `wpha upgrade` replaces). They are recorded in wpha-state.json next to inventory.yaml.');
export type MachinesSpec = z.infer<typeof MachinesSchema>;

const checkName = z.string().min(1).describe('Name of the check (reports name a failing check by it).');
const alarmName = z.string().min(1).describe('Name of the alarm (reports name it).');

export const HttpCheckSchema = z.strictObject({
  path: z.string().regex(/^\//, { error: 'Expected a URL path starting with "/"' }).describe('URL path requested from the node.'),
  host: z.string().optional().describe('Host header (a site name: the request goes to the node, as HAProxy sends it). Default: localhost.'),
  port: z.int().min(1).max(65535).optional().describe("Port on the node (default: the front tier's haproxy_backend_port, else 80)."),
  status: z.int().min(100).max(599).optional().describe('Expected HTTP status (default 200).'),
  contains: z.string().optional().describe('Text the body must contain.'),
  timeout: DurationSchema.optional().describe('Time allowed for the answer (default 10s).'),
});

export const CheckSchema = z
  .union(
    [
      z.strictObject({ name: checkName, http: HttpCheckSchema.describe('GET a path from the node (from a front server, as HAProxy does).') }),
      z.strictObject({ name: checkName, command: z.string().min(1).describe('Shell command run on the node as root; exit 0 passes.') }),
    ],
    { error: 'Expected a check with a "name" and either "http" or "command"' },
  )
  .describe('A health check a new host must pass before it serves: HTTP through the node (from a front server), or a command on the node.');
export type CheckSpec = z.infer<typeof CheckSchema>;

export const AlarmSchema = z
  .union(
    [
      z.strictObject({
        name: alarmName,
        url: z
          .string()
          .regex(/^https?:\/\//, { error: 'Expected an http:// or https:// URL' })
          .describe('Fetched from the machine running wpha; anything but a 2xx answer is an alarm.'),
      }),
      z.strictObject({ name: alarmName, command: z.string().min(1).describe('Run on the machine running wpha (sh -c); a non-zero exit is an alarm.') }),
    ],
    { error: 'Expected an alarm with a "name" and either "url" or "command"' },
  )
  .describe('Checked before each batch, while soaking and while baking: an alarm stops the roll.');
export type AlarmSpec = z.infer<typeof AlarmSchema>;

export const UpgradeSchema = z
  .strictObject(
    {
      checks: z.array(CheckSchema).optional().describe('The gate: every check must pass on a new (or upgraded) host before it serves.'),
      alarms: z.array(AlarmSchema).optional().describe('Alarms that stop a roll of this group (with --auto-rollback, roll it back).'),
      gate_timeout: DurationSchema.optional().describe('How long a new host may take to pass every check in one round (default 60s).'),
      warmup: DurationSchema.optional().describe('After a new host starts serving, errors are not counted for this long (default 0).'),
      soak: DurationSchema.optional().describe("How long a new host's HAProxy error counters are watched before old hosts go (default 10s)."),
      error_budget: z
        .union([z.int().min(0), z.string().regex(/^\d+(\.\d+)?%$/)])
        .optional()
        .describe('Errors (count, or percent of requests) a new host may answer while soaking (default 0).'),
      drain_timeout: DurationSchema.optional().describe('How long a draining host may keep open connections (default 60s).'),
      bake: DurationSchema.optional().describe('After the last batch, alarms are watched this long before the roll counts as done (default 0).'),
    },
    { error: 'Expected a map of upgrade settings' },
  )
  .describe("How `wpha upgrade` checks this group's new hosts (see docs/upgrade.md).");
export type UpgradeSpec = z.infer<typeof UpgradeSchema>;
