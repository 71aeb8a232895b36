/**
 * zod schema of a role's test scenario (`roles/<name>/tests/<scenario>.yaml`, run by `wpha test`):
 * the hosts to boot, the roles and variables to converge them with, and the checks that prove
 * what the role promises. The source of truth for validation, schemas/scenario.schema.json and
 * docs/testing-roles.md.
 */
import { z } from 'zod';
import { GROUP_NAME, GROUP_NAME_RULE, ROLE_NAME, ROLE_NAME_RULE } from '../spec/names.js';
import { VarsSchema } from '../inventory/schema.js';
import { PortNumberSchema } from '../spec/port.js';

/** Scenario host and address names: short, so that lab host names stay within 63 characters. */
export const SCENARIO_NAME = /^[a-z][a-z0-9]{0,15}$/;
const NAME_RULE = 'Expected a name of up to 16 lowercase letters and digits, starting with a letter';

const name = () => z.string({ error: NAME_RULE }).regex(SCENARIO_NAME, { error: NAME_RULE });

/** A regular expression (JavaScript syntax), refused at load when it does not compile. */
const pattern = (what: string) =>
  z
    .string({ error: 'Expected a regular expression (a string)' })
    .refine((s) => compiles(s), { error: 'Expected a valid regular expression' })
    .describe(`${what} (a regular expression, JavaScript syntax, searched anywhere; ^ and $ match at line ends).`);

function compiles(s: string): boolean {
  try {
    new RegExp(s, 'm');
    return true;
  } catch {
    return false;
  }
}

const CommandCheck = z
  .strictObject(
    {
      run: z.string({ error: 'Expected a shell command (a string)' }).min(1).describe('Shell command run as root on the host (sh -c).'),
      exit: z.int({ error: 'Expected an exit status (an integer)' }).min(0).max(255).optional().describe('Expected exit status. Default 0.'),
      stdout: pattern('What the standard output must contain').optional(),
      stderr: pattern('What the standard error must contain').optional(),
    },
    { error: 'Expected a map with "run" and optionally "exit", "stdout", "stderr"' },
  )
  .describe('A command and what it must return.');

const HttpCheck = z
  .strictObject(
    {
      url: z
        .string({ error: 'Expected a URL' })
        .regex(/^https?:\/\/[^\s/]+/, { error: 'Expected an http:// or https:// URL' })
        .describe('URL fetched with curl from the host itself (e.g. http://127.0.0.1/; ${address:NAME} works).'),
      host: z.string({ error: 'Expected a host name' }).min(1).optional().describe("Host header to send (the site's domain)."),
      method: z.enum(['GET', 'HEAD', 'POST']).optional().describe('Request method. Default GET.'),
      request_headers: z
        .record(z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'Expected a header name' }), z.string({ error: 'Expected a header value (a string)' }), {
          error: 'Expected a map of header name -> value',
        })
        .optional()
        .describe('More request headers, e.g. a Cookie.'),
      status: z.int({ error: 'Expected an HTTP status (an integer)' }).min(100).max(599).optional().describe('Expected status. Default 200.'),
      body: pattern('What the response body must contain').optional(),
      headers: z
        .record(z.string().regex(/^[A-Za-z0-9-]+$/, { error: 'Expected a header name' }), pattern("What the header's value must contain"), { error: 'Expected a map of header name -> pattern' })
        .optional()
        .describe('Response headers that must be present, each with a pattern its value must match (names are case-insensitive).'),
      insecure: z.boolean({ error: 'Expected true or false' }).optional().describe('Accept any TLS certificate (a self-signed lab certificate). Default false.'),
    },
    { error: 'Expected a map with "url" and optionally "host", "method", "request_headers", "status", "body", "headers", "insecure"' },
  )
  .describe('An HTTP request made on the host and what the response must be.');

const FileCheck = z
  .strictObject(
    {
      path: z.string({ error: 'Expected an absolute path' }).regex(/^\//, { error: 'Expected an absolute path' }).describe('Absolute path on the host.'),
      exists: z.boolean({ error: 'Expected true or false' }).optional().describe('Whether the path must exist. Default true.'),
      type: z.enum(['file', 'directory', 'link']).optional().describe('What the path must be.'),
      mode: z
        .string({ error: 'Expected an octal mode such as "0644"' })
        .regex(/^0?[0-7]{3,4}$/, { error: 'Expected an octal mode such as "0644"' })
        .optional()
        .describe('Permission bits, octal ("0644").'),
      owner: z.string({ error: 'Expected a user name' }).optional().describe('Owning user.'),
      group: z.string({ error: 'Expected a group name' }).optional().describe('Owning group.'),
      contains: pattern("What the file's content must contain").optional(),
      lacks: pattern("What the file's content must NOT contain").optional(),
    },
    { error: 'Expected a map with "path" and optionally "exists", "type", "mode", "owner", "group", "contains", "lacks"' },
  )
  .describe('A file (or folder) and what must hold for it. In a render scenario: a file a task of the roles writes.');

const PortCheck = z
  .strictObject(
    {
      port: PortNumberSchema.describe('Port number.'),
      proto: z.enum(['tcp', 'udp']).optional().describe('Protocol. Default tcp.'),
      listening: z.boolean({ error: 'Expected true or false' }).optional().describe('Whether something must listen on it. Default true.'),
      address: z.string({ error: 'Expected an address' }).optional().describe('The address it must listen on (e.g. 127.0.0.1; 0.0.0.0 or * for all). Default: any.'),
    },
    { error: 'Expected a map with "port" and optionally "proto", "listening", "address"' },
  )
  .describe('A port something listens on (ss on the host).');

export const CHECK_KINDS = ['command', 'http', 'file', 'port'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export const CheckSchema = z
  .strictObject(
    {
      name: z.string({ error: 'Expected a name (a string)' }).optional().describe('What the check proves (shown in the report). Default: a summary of the check.'),
      on: z
        .union([name(), z.array(name(), { error: 'Expected a list of host names' }).min(1)], { error: 'Expected a host name or a list of them' })
        .optional()
        .describe('Scenario hosts the check runs on. Default: every host.'),
      retries: z
        .int({ error: 'Expected a number of retries' })
        .min(0)
        .max(120)
        .optional()
        .describe('Run the check again, a second apart, up to this many times while it fails (a service still starting). Default 0.'),
      command: CommandCheck.optional(),
      http: HttpCheck.optional(),
      file: FileCheck.optional(),
      port: PortCheck.optional(),
    },
    { error: 'Expected a check: a map with one of "command", "http", "file", "port"' },
  )
  .superRefine((c, ctx) => {
    const kinds = CHECK_KINDS.filter((k) => c[k] !== undefined);
    if (kinds.length === 0) ctx.addIssue({ code: 'custom', message: 'Expected one of "command", "http", "file", "port"' });
    // The second kind is the one to remove (or to move into a check of its own).
    for (const extra of kinds.slice(1)) ctx.addIssue({ code: 'custom', path: [extra], message: `Expected one check kind per item (this one also has "${kinds[0]}")` });
  })
  .describe('One check of the verify step: exactly one of command, http, file, port.');

const ScenarioGroupSchema = z
  .strictObject(
    {
      hosts: z.array(name(), { error: 'Expected a list of scenario host names' }).optional().describe('Scenario hosts in this group.'),
      children: z
        .array(z.string().regex(GROUP_NAME, { error: GROUP_NAME_RULE }), { error: 'Expected a list of group names' })
        .optional()
        .describe('Child groups.'),
      roles: z
        .array(z.string().regex(ROLE_NAME, { error: ROLE_NAME_RULE }), { error: 'Expected a list of role names' })
        .optional()
        .describe("Roles the group's hosts get, in order."),
      vars: VarsSchema.optional().describe('Variables of the group (${address:NAME} and ${host:NAME} are replaced).'),
    },
    { error: 'Expected a map with "hosts", "children", "roles", "vars"' },
  )
  .describe('A group of the inventory the scenario makes, as in inventory.yaml.');

export const ScenarioFileSchema = z
  .strictObject(
    {
      description: z.string({ error: 'Expected a description (a string)' }).min(1).describe('What the scenario proves.'),
      kind: z
        .enum(['lab', 'render'])
        .optional()
        .describe(
          'lab (default): converge fresh lab hosts, converge again (0 changed), verify, destroy. render: no host; the roles\' files are rendered and only "file" checks run (for software the lab cannot run).',
        ),
      hosts: z.array(name(), { error: 'Expected a list of scenario host names' }).min(1).max(4).optional().describe('Names of the hosts to boot (1 to 4). Default [node1].'),
      roles: z
        .array(z.string().regex(ROLE_NAME, { error: ROLE_NAME_RULE }), { error: 'Expected a list of role names' })
        .optional()
        .describe('Roles every host gets (group all). Default: the role whose tests/ holds the file, unless groups give roles.'),
      groups: z
        .record(z.string().regex(GROUP_NAME, { error: GROUP_NAME_RULE }), ScenarioGroupSchema, { error: 'Expected a map of groups by name' })
        .optional()
        .describe('Groups of the inventory the scenario makes.'),
      vars: VarsSchema.optional().describe('Variables of every host (${address:NAME} and ${host:NAME} are replaced).'),
      host_vars: z.record(name(), VarsSchema, { error: 'Expected a map of host name -> variables' }).optional().describe('Variables of one host.'),
      addresses: z.array(name(), { error: 'Expected a list of names' }).optional().describe('Free lab addresses to reserve for the run (e.g. a virtual IP), used as ${address:NAME}.'),
      share: z
        .boolean({ error: 'Expected true or false' })
        .optional()
        .describe('May converge on the same hosts as other shared scenarios run together (same host names, no conflicting variable). Default false.'),
      verify: z.array(CheckSchema, { error: 'Expected a list of checks' }).min(1, { error: 'Expected at least one check' }).describe('Checks run after the second converge; all must pass.'),
    },
    { error: 'Expected a map with "description", "verify" and optionally "kind", "hosts", "roles", "groups", "vars", "host_vars", "addresses", "share"' },
  )
  .describe('A test scenario of a role (roles/<name>/tests/<scenario>.yaml), run by `wpha test`.');

export type ScenarioFile = z.infer<typeof ScenarioFileSchema>;
export type Check = z.infer<typeof CheckSchema>;
export type ScenarioGroup = z.infer<typeof ScenarioGroupSchema>;
