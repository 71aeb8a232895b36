/**
 * The typed model the loaders produce and the engine consumes. Loaders (src/inventory,
 * src/roles) turn YAML into these; nothing downstream reads YAML again.
 */
import type { SourceLocation } from './errors.js';
import type { MachineStatus, MachinesSpec, ProviderSpec, UpgradeSpec } from './spec/machines.js';
import type { VarFormat } from './spec/var-formats.js';

/**
 * `map`: free keys (e.g. a password by site id); `object`: the keys its `properties` declare,
 * each typed (a site). A list of objects is `type: list, items: object` with `properties`.
 */
export type VarType = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'map' | 'object' | 'any';

/** A variable a role declares (in role.yaml `variables:`). */
export interface VarSpec {
  type: VarType;
  description: string;
  default?: unknown;
  required: boolean;
  /** Masked as *** in every output; delivered to hosts only over the SSH channel. */
  secret: boolean;
  /** Allowed values (strings or numbers). */
  enum?: (string | number)[];
  /** For `list`: type of the items. */
  items?: VarType;
  /** For `string` (or a list of strings: every item): a regular expression the whole value must match. */
  pattern?: string;
  /** What `pattern` means in words, for error messages (e.g. "32 to 512 hex digits"). */
  patternDescription?: string;
  /**
   * The inventory must give the value from the vault (a `!vault` value or a vault file); plain
   * text is refused, except in a lab inventory (`lab: true`) whose values protect nothing.
   */
  vault?: boolean;
  /** For `integer` and `number`: the smallest and largest value allowed. */
  min?: number;
  max?: number;
  /**
   * For `object` (or `list` of `object`): the keys the object may hold, each typed like a
   * variable (and nested: a key may be an object or a list of them); any other key is an error.
   */
  properties?: Record<string, FieldSpec>;
  /**
   * An expression over the host's variables (over the map's own keys, for a field): when true,
   * the value must be set and not empty (e.g. a key only needed when encryption is on).
   */
  requiredWhen?: string;
  /** A known domain (time zone, size, duration, address...): the value (or each item) is checked at load. */
  format?: VarFormat;
  location?: SourceLocation;
  /** Declared once for the role set (roles/shared.yaml) and listed under the role's `uses:`. */
  shared?: boolean;
}

/** A key of an object variable (`properties:`): typed like a variable, nested as deep as needed. */
export type FieldSpec = Omit<VarSpec, 'location' | 'shared'>;

export interface PortSpec {
  port: number;
  proto: 'tcp' | 'udp';
  /** Who may connect: `world`, `cluster` (all inventory hosts), or a group name. */
  from: string;
  description?: string;
  /** Open it only where this expression over the host's variables is true. */
  when?: string;
  /** Where in role.yaml the port is declared (for errors about `from`). */
  location?: SourceLocation;
}

/** A rule a role sets on each host's variables (role.yaml `checks:`), checked at load. */
export interface CheckSpec {
  that: string;
  message: string;
  /** The variable the error points at (where it is set); default: the host. */
  var?: string;
  /** An expression giving a list (or a map) whose items are checked one by one as `item`. */
  loop?: string;
  /** Position in role.yaml's `checks:` list. */
  index: number;
  location?: SourceLocation;
}

/** One task of a role, before templating (args may contain `{{ var }}` strings). */
export interface TaskSpec {
  /** Stable id: `<role>/<index>` (or `<role>/handlers/<index>`). */
  id: string;
  role: string;
  name: string;
  /** The operation key, e.g. `apt`, `template`; `include_role`/`flush_handlers` are engine keywords. */
  op: string;
  /** Raw arguments of the op (strings may hold Handlebars expressions). */
  args: unknown;
  when?: string;
  loop?: unknown;
  /** Name the loop item is bound to (default `item`). */
  loopVar: string;
  notify: string[];
  tags: string[];
  register?: string;
  changedWhen?: string;
  failedWhen?: string;
  become?: boolean;
  runOnce: boolean;
  delegateTo?: string;
  /** `ignore_errors: true`: the task's own failure is reported and counted apart, and the play goes on. */
  ignoreErrors?: boolean;
  /** Retry the task until this expression over its result is true (`until:`; needs retries). */
  until?: string;
  /** Further attempts after the first when the task fails or `until` is false (`retries:`). */
  retries?: number;
  /** Seconds between attempts (`delay:`, default 5). */
  delay?: number;
  /** The `block:`s the task sits in, outermost first (absent: none). */
  blocks?: BlockFrame[];
  /** Where the task is in role.yaml (absent: `tasks`/`handlers` and the index in the id). */
  keyPath?: (string | number)[];
  location: SourceLocation;
}

/** A task's place in one `block:` of a role: which block, which of its sections. */
export interface BlockFrame {
  /** Unique in the role: `<role>/<key path of the block entry>`. */
  id: string;
  section: 'block' | 'rescue' | 'always';
  /** The block has a `rescue:` section (a failure in its `block:` section is then rescued). */
  hasRescue: boolean;
}

export interface HandlerSpec extends TaskSpec {
  /** Extra names this handler answers to (`listen:`). */
  listen: string[];
}

export interface RoleSpec {
  name: string;
  /** Absolute path of the role folder (holds role.yaml, templates/, files/). */
  dir: string;
  description: string;
  depends: string[];
  /** Variables declared once for the role set (roles/shared.yaml) that the role reads (`uses:`). */
  uses?: string[];
  variables: Record<string, VarSpec>;
  ports: PortSpec[];
  /** Rules over the variables of every host that gets the role (absent: none). */
  checks?: CheckSpec[];
  tasks: TaskSpec[];
  handlers: HandlerSpec[];
}

export interface SshSettings {
  /** Private key file (absolute). When absent, ssh-agent (SSH_AUTH_SOCK) is used. */
  keyFile?: string;
  /** known_hosts file the engine checks host keys against (absolute). */
  knownHosts: string;
  /** `user@host:port` of a bastion to jump through. */
  proxyJump?: string;
  connectTimeoutMs: number;
}

export interface HostSpec {
  name: string;
  address: string;
  port: number;
  user: string;
  /** Run as root through sudo when `user` is not root. */
  become: boolean;
  /** `local`: the scripts run on the machine wpha runs on, through its shell (absent: SSH). */
  connection?: 'local';
  ssh: SshSettings;
  /** Groups the host belongs to, ancestors included, `all` first. */
  groups: string[];
  /** Roles the host gets, in order, `depends` expanded, each once. */
  roles: string[];
  /** Merged vars from inventory sources (all < parent group < group < host < extra); role defaults are NOT included. */
  vars: Record<string, unknown>;
  location: SourceLocation;
  /** Set for a host a provider made (recorded in the state file, not written in inventory.yaml). */
  machine?: MadeHost;
}

/** What the state file says of a provider-made host. */
export interface MadeHost {
  provider: string;
  providerId?: string;
  image: string;
  created: string;
  status: MachineStatus;
}

export interface GroupSpec {
  name: string;
  hosts: string[];
  children: string[];
  roles: string[];
  vars: Record<string, unknown>;
  /** Rolling-run settings, when the group sets `serial` or `max_fail_percentage` (see src/rollout). */
  rollout?: GroupRollout;
  location: SourceLocation;
  /** How a provider makes this group's machines. */
  machines?: MachinesSpec;
  /** How `wpha upgrade` checks this group's new hosts. */
  upgrade?: UpgradeSpec;
}

export interface GroupRollout {
  /** Batch sizes (host counts or "N%"), last one repeating; empty: one batch. */
  serial: (number | string)[];
  /** Stop when more than this percentage of a batch failed. */
  maxFailPercentage?: number;
  location: SourceLocation;
}

export interface Inventory {
  name: string;
  /** Absolute folder of the inventory. */
  dir: string;
  /** Set when the inventory's hosts are lab hosts that `apply` may bring up itself. */
  lab?: { hosts: string[] };
  hosts: Map<string, HostSpec>;
  groups: Map<string, GroupSpec>;
  roles: Map<string, RoleSpec>;
  /** Var names whose values are secret (from role schemas and vault-tagged values). */
  secretVars: Set<string>;
  /** Plaintexts the vault decrypted while loading (masked in all output even where no secret var holds them). */
  secretValues?: string[];
  /** Where machines come from (`providers:`), by name. */
  providers?: Record<string, ProviderSpec>;
  /** How wpha reaches the machines providers make (the inventory's connection defaults); set when it has providers. */
  machineConnection?: Pick<HostSpec, 'user' | 'port' | 'become' | 'ssh'>;
  /** Id of the state file (wpha-state.json) whose machines joined the inventory; machines a provider made for it carry this id. */
  stateId?: string;
}
