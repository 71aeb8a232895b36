/**
 * zod schema of role.yaml: the source of truth for validation and for the generated JSON Schema.
 * Task keys are checked in two steps: the keywords below by zod, and the single operation key
 * by the loader (the set of operations is a parameter, so this module never imports op modules).
 */
import { z } from 'zod';
import { VAR_FORMATS } from '../spec/var-formats.js';
import { GROUP_NAME, RESERVED_VAR_NAMES, reservedVarNameMessage, ROLE_NAME, ROLE_NAME_RULE, VAR_NAME, VAR_NAME_RULE } from '../spec/names.js';
import { PortNumberSchema } from '../spec/port.js';

/** Operations a task may name: a set of names, or names with their argument schemas. */
export type KnownOps = ReadonlySet<string> | ReadonlyMap<string, { args: z.ZodType }>;

/** Keys of a task that are not operations. `flush_handlers: true` is an engine keyword that acts like an op. */
export const ENGINE_OPS: ReadonlySet<string> = new Set(['flush_handlers']);

export const VAR_TYPES = ['string', 'integer', 'number', 'boolean', 'list', 'map', 'object', 'any'] as const;
export const VarTypeSchema = z.enum(VAR_TYPES).describe('Type of the value: string, integer, number, boolean, list, map (free keys), object (the keys `properties` declares) or any.');

const identifier = (what: string) =>
  z
    .string({ error: `Expected ${what}` })
    .regex(VAR_NAME, { error: VAR_NAME_RULE })
    .refine((n) => !RESERVED_VAR_NAMES.has(n), { error: (issue) => reservedVarNameMessage(String(issue.input)) });
const expression = (what: string) => z.union([z.string(), z.boolean()], { error: 'Expected an expression (a string) or true/false' }).describe(what);
const stringOrList = (what: string) => z.union([z.string(), z.array(z.string())], { error: `Expected ${what} or a list of them` });

const varSpecShape = {
  type: VarTypeSchema,
  description: z.string({ error: 'Expected a description (a string)' }).describe('What the variable is for (shown by `wpha inventory show` and in docs).'),
  default: z.unknown().optional().describe('Value used when no inventory level sets one. Must match the type.'),
  required: z.boolean({ error: 'Expected true or false' }).optional().describe('The inventory must set a value (no default). Default false.'),
  required_when: z
    .string({ error: 'Expected an expression (a string)' })
    .optional()
    .describe("The value must be set and not empty when this expression over the host's variables (for a key of an object: over that object's keys) is true, e.g. `backup_encryption == 'age'`."),
  secret: z.boolean({ error: 'Expected true or false' }).optional().describe('The value is masked as *** in every output. Default false.'),
  enum: z
    .array(z.union([z.string(), z.number()], { error: 'Expected a string or a number' }), { error: 'Expected a list of allowed values' })
    .min(1, { error: 'Expected at least one allowed value' })
    .optional()
    .describe('Allowed values (for string, integer and number variables).'),
  items: VarTypeSchema.optional().describe('For type list: the type of every item (with `object`, `properties` declares their keys).'),
  format: z
    .enum(VAR_FORMATS, { error: `Expected one of ${VAR_FORMATS.map((f) => `"${f}"`).join(', ')}` })
    .optional()
    .describe(
      'A known domain, checked at load where the value is set (for a list: every item). Strings: timezone (IANA name), locale, size (nginx/PHP: 64m, 2G), php-size (256M or -1), redis-size (256mb), duration (nginx/HAProxy: 30s, 24h), timespan (systemd: 2min), calendar (systemd OnCalendar), time-of-day (HH:MM), ip, cidr, ip-or-cidr. Integers: port. An empty string passes when the default is empty.',
    ),
  pattern: z
    .string({ error: 'Expected a regular expression (a string)' })
    .min(1, { error: 'Expected a regular expression (a string)' })
    .optional()
    .describe('For string (or a list of strings: every item): a regular expression (JavaScript syntax) the whole value must match, checked before any host is touched, e.g. `^[a-z0-9_-]+$`.'),
  pattern_description: z.string({ error: 'Expected a description (a string)' }).optional().describe('What the pattern asks for, in words (used in error messages), e.g. "32 to 512 hex digits".'),
  vault: z
    .boolean({ error: 'Expected true or false' })
    .optional()
    .describe('The inventory must give the value from the vault (a !vault value or a vault file); plain text is refused except in lab inventories. Implies secret. Default false.'),
  min: z.number({ error: 'Expected a number' }).optional().describe('For integer and number: the smallest value allowed.'),
  max: z.number({ error: 'Expected a number' }).optional().describe('For integer and number: the largest value allowed.'),
};

/**
 * A variable, or a key of an object variable: the same spec, nested through `properties` as deep
 * as a value needs (a site's `aliases` list inside the list of sites). The getter lets zod build
 * the recursive schema lazily.
 */
/** A variable's spec as written: the shape above, plus its keys' specs, nested. */
export type RawVarSpec = z.infer<z.ZodObject<typeof varSpecShape>> & { properties?: Record<string, RawVarSpec> };

export const VarSpecSchema: z.ZodType<RawVarSpec> = z
  .lazy(() =>
    z.strictObject(
      {
        ...varSpecShape,
        properties: z
          .record(z.string().regex(VAR_NAME, { error: VAR_NAME_RULE }), VarSpecSchema, { error: 'Expected a map of keys by name' })
          .optional()
          .describe('For type object, or list with items object: the keys each object may hold, each typed like a variable (any other key is an error).'),
      },
      { error: 'Expected a map describing the variable (type, description, default, ...)' },
    ),
  )
  .describe('A variable the role reads, or a key of an object variable.');

/** A key of an object variable: specified exactly like a variable. */
export const FieldSpecSchema = VarSpecSchema;

export const PortSpecSchema = z
  .strictObject(
    {
      port: PortNumberSchema.describe('Port number.'),
      proto: z.enum(['tcp', 'udp']).optional().describe('Protocol. Default tcp.'),
      from: z
        .string({ error: 'Expected "world", "cluster" or a group name' })
        .regex(GROUP_NAME, { error: 'Expected "world", "cluster" or a group name' })
        .optional()
        .describe('Who may connect: "world", "cluster" (every inventory host) or a group name. Default world.'),
      description: z.string().optional().describe('What the port serves.'),
      when: z.string({ error: 'Expected an expression (a string)' }).optional().describe("Open the port only on hosts where this expression over the host's variables is true, e.g. `redis_sentinel`."),
    },
    { error: 'Expected a map with "port" and optionally "proto", "from", "description", "when"' },
  )
  .describe('A port the firewall must open for this role.');

export const CheckSpecSchema = z
  .strictObject(
    {
      that: z.string({ error: 'Expected an expression (a string)' }).describe("What must hold for every host of the role, over the host's variables, e.g. `s3_endpoint == '' or s3_secret_key != ''`."),
      message: z.string({ error: 'Expected a message (a string)' }).min(1).describe('What is wrong and how to fix it, shown when `that` is false.'),
      var: z
        .string({ error: 'Expected a variable name' })
        .regex(VAR_NAME, { error: VAR_NAME_RULE })
        .optional()
        .describe('The variable the error points at (where the inventory sets it). Default: the host.'),
      loop: z.string({ error: 'Expected an expression (a string) giving a list or a map' }).optional().describe('Check every item of this list (or every {key, value} of this map) as `item`.'),
    },
    { error: 'Expected a map with "that", "message" and optionally "var", "loop"' },
  )
  .describe("A rule over a host's variables, checked when the inventory loads (before any host is contacted).");

/** Keys a task may have besides its one operation key. */
export const taskKeywordShape = {
  name: z.string({ error: 'Expected a task name (a string)' }).optional().describe('What the task does (shown in progress and reports). Default: the operation name.'),
  when: expression('Run the task only when this expression is true.').optional(),
  loop: z
    .union([z.array(z.unknown()), z.string()], { error: 'Expected a list or a "{{ expression }}" giving a list' })
    .optional()
    .describe('Run the task once per item (a list, or a "{{ var }}" holding one).'),
  loop_var: identifier('a variable name').optional().describe('Name the loop item is bound to. Default item.'),
  notify: stringOrList('a handler name').optional().describe('Handlers to run (once, at the end or at flush_handlers) when the task changed something.'),
  tags: stringOrList('a tag').optional().describe('Tags to select or skip tasks with --tags / --skip-tags.'),
  register: identifier('a variable name').optional().describe('Store the result ({ changed, rc, stdout, ... }) in this variable.'),
  changed_when: expression('Overrides "changed" with this expression (the result is available as the registered variable).').optional(),
  failed_when: expression('Overrides "failed" with this expression.').optional(),
  become: z.boolean({ error: 'Expected true or false' }).optional().describe('Run this task as root (or not), overriding the host setting.'),
  become_user: z
    .string({ error: 'Expected a user name' })
    .optional()
    .describe('Run the program as this user (runuser -u): command and shell only, the same as their own become_user argument; other operations run as root (give files an owner instead).'),
  run_once: z.boolean({ error: 'Expected true or false' }).optional().describe('Run on the first host of the play only.'),
  ignore_errors: z
    .boolean({ error: 'Expected true or false' })
    .optional()
    .describe(
      'When the task fails (its exit status, failed_when, until, or its operation refusing), report it as failed, ignored, count it apart, and go on with the next task. Input errors (an undefined variable, invalid arguments) and a lost host still stop the host. Not on a task with loop, nor on a handler.',
    ),
  delegate_to: z.string({ error: 'Expected a host name' }).optional().describe('Run the operation on this inventory host instead.'),
  until: expression(
    'Run the task again (up to `retries` more times, `delay` seconds apart) until this expression over its result (`result`, or the registered name) is true. Needs retries. A step its probe finds already done is not run, so not retried.',
  ).optional(),
  retries: z
    .number({ error: 'Expected a number of retries (an integer from 1 to 1000)' })
    .int({ error: 'Expected a number of retries (an integer from 1 to 1000)' })
    .min(1, { error: 'Expected a number of retries (an integer from 1 to 1000)' })
    .max(1000, { error: 'Expected a number of retries (an integer from 1 to 1000)' })
    .optional()
    .describe('Run the task again, up to this many more times, while it fails or `until` is false (Ansible meaning: retries 3 = at most 4 attempts).'),
  delay: z
    .number({ error: 'Expected a number of seconds (0 to 3600)' })
    .min(0, { error: 'Expected a number of seconds (0 to 3600)' })
    .max(3600, { error: 'Expected a number of seconds (0 to 3600)' })
    .optional()
    .describe('Seconds between attempts (with retries). Default 5.'),
};

/** Keys of a block entry (`block:` with optional `rescue:` / `always:`), besides its sections. */
export const BLOCK_KEYWORDS: ReadonlySet<string> = new Set(['name', 'when', 'tags', 'become', 'delegate_to', 'run_once', 'ignore_errors']);
export const BLOCK_SECTIONS = ['block', 'rescue', 'always'] as const;

export const handlerKeywordShape = {
  ...taskKeywordShape,
  name: z.string({ error: 'Expected a handler name (a string)' }).describe('The name tasks notify.'),
  listen: stringOrList('a name').optional().describe('More names this handler answers to.'),
};

export const TASK_KEYWORDS: ReadonlySet<string> = new Set(Object.keys(taskKeywordShape));
export const HANDLER_KEYWORDS: ReadonlySet<string> = new Set(Object.keys(handlerKeywordShape));

const SECTION_DOCS = {
  block:
    'Tasks run in order as one unit; a failure skips the rest of them and runs `rescue` (when given), then `always`. A block entry takes only name, when, tags, become, delegate_to, run_once and ignore_errors, applied to each of its tasks (a task that sets become, delegate_to, run_once or ignore_errors itself keeps its own).',
  rescue: 'Tasks run only when a task of `block` failed; when they succeed the failure is rescued and the play goes on. Needs block.',
  always: 'Tasks run after `block` (and `rescue`) whatever happened. Needs block.',
} as const;

/**
 * Task schema; the operation key is left to `catchall` (the loader checks it). With `ops`, each op
 * is a documented property. Tasks (not handlers) may be blocks: `block` / `rescue` / `always` hold
 * lists of tasks (the loader checks which keys a block entry may have).
 */
export function taskSchema(kind: 'task' | 'handler', ops?: KnownOps): z.ZodType {
  const keywords = kind === 'task' ? taskKeywordShape : handlerKeywordShape;
  const error = { error: `Expected a ${kind}: a map with one operation key and optional keywords (name, when, notify, ...)` };
  const sections = (self: () => z.ZodType) =>
    kind === 'handler' ? {} : Object.fromEntries(BLOCK_SECTIONS.map((k) => [k, z.array(z.lazy(self), { error: 'Expected a list of tasks' }).optional().describe(SECTION_DOCS[k])]));
  if (!ops || !(ops instanceof Map)) {
    const loose: z.ZodType = z
      .object({ ...keywords, ...sections(() => loose) }, error)
      .catchall(z.unknown())
      .describe(`A ${kind}: one operation key plus keywords.`);
    return loose;
  }
  const opShape: Record<string, z.ZodType> = { flush_handlers: z.literal(true).optional().describe('Run the handlers notified so far, now.') };
  for (const [name, op] of ops as ReadonlyMap<string, { args: z.ZodType }>) opShape[name] = op.args.optional();
  const strict: z.ZodType = z
    .strictObject({ ...keywords, ...sections(() => strict), ...opShape }, error)
    .describe(kind === 'task' ? 'A task: exactly one operation key plus keywords, or a block (block, rescue, always).' : `A ${kind}: exactly one operation key plus keywords.`);
  return strict;
}

export function roleFileSchema(ops?: KnownOps) {
  return z
    .strictObject(
      {
        description: z.string({ error: 'Expected a description (a string)' }).describe('One line saying what the role sets up.'),
        depends: z
          .array(z.string({ error: 'Expected a role name' }).regex(ROLE_NAME, { error: ROLE_NAME_RULE }), { error: 'Expected a list of role names' })
          .optional()
          .describe('Roles that run before this one on the same hosts.'),
        uses: z
          .array(z.string({ error: 'Expected a variable name' }).regex(VAR_NAME, { error: VAR_NAME_RULE }), { error: 'Expected a list of variable names' })
          .optional()
          .describe(
            'Variables declared once for the role set (roles/shared.yaml, beside the role folders) that this role reads, e.g. [wordpress_sites]. Each must be declared there, and not again under variables.',
          ),
        ports: z.array(PortSpecSchema, { error: 'Expected a list of ports' }).optional().describe('Ports the firewall must open for this role.'),
        checks: z
          .array(CheckSpecSchema, { error: 'Expected a list of checks' })
          .optional()
          .describe("Rules over each host's variables that the inventory must meet (e.g. credentials that go together)."),
        variables: z
          .record(z.string().regex(VAR_NAME, { error: VAR_NAME_RULE }), VarSpecSchema, { error: 'Expected a map of variables by name' })
          .optional()
          .describe('Variables the role reads, with their types and defaults.'),
        tasks: z.array(taskSchema('task', ops), { error: 'Expected a list of tasks' }).optional().describe('Tasks, run in order.'),
        handlers: z.array(taskSchema('handler', ops), { error: 'Expected a list of handlers' }).optional().describe('Tasks run only when notified.'),
      },
      { error: 'Expected a map with "description" and optionally "depends", "uses", "ports", "checks", "variables", "tasks", "handlers"' },
    )
    .describe('A wpha role (roles/<name>/role.yaml).');
}

/** roles/shared.yaml: variables several roles read, declared once (a role names them under `uses:`). */
export const SharedVarsFileSchema = z
  .strictObject(
    {
      description: z.string({ error: 'Expected a description (a string)' }).optional().describe('What these variables are.'),
      variables: z
        .record(z.string().regex(VAR_NAME, { error: VAR_NAME_RULE }), VarSpecSchema, { error: 'Expected a map of variables by name' })
        .describe('Variables declared once for every role of the folder; a role reads one by listing it under `uses:`.'),
    },
    { error: 'Expected a map with "variables" and optionally "description"' },
  )
  .describe('Variables shared by the roles of a folder (roles/shared.yaml).');

/** The schema used for validation: operation keys are checked by the loader, not by zod. */
export const RoleFileSchema = roleFileSchema();
export type RoleFile = z.infer<typeof RoleFileSchema>;
export type RawPortSpec = z.infer<typeof PortSpecSchema>;
export type RawCheckSpec = z.infer<typeof CheckSpecSchema>;
