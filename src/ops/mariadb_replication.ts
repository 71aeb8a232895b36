/**
 * `mariadb_replication`: this host's place in a GTID replication group, decided from what the
 * servers say (src/db/primary.ts), never from the inventory alone, so a re-apply never undoes a
 * promotion. The probe asks the local server (socket, root) and every peer (TCP + TLS, the
 * replication user, from `client_config`) in one go; the plan then:
 *   - keeps the writable primary as it is, turning semi-sync on once a replica is connected;
 *   - opens a new group's starting primary (or a restarted primary that provably holds every
 *     transaction and is the one the replicas follow): replication user, semi-sync, read_only=0;
 *   - makes any other server a replica of the primary: an empty one is seeded from a copy of the
 *     primary (`seed_script`: a mariabackup stream over mutual TLS), a stopped one restarted, one
 *     following another server repointed (never when it holds transactions the primary lacks);
 *   - refuses, naming why, when the servers cannot tell who the primary is.
 * Semi-sync master is only ever on for the primary (on a replica it stalls replication).
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { OperationError } from '../errors.js';
import { sh } from '../shell/quote.js';
import { decideNode, type Member, type NodeAction } from '../db/primary.js';
import { parseViews, VIEW_FN, viewSql, type NodeView } from '../db/node-view.js';
import { masterOptions, repointSql, replicationUserSql, sqlString, type ReplicationLogin } from '../db/replication-sql.js';
import { REPLICATION_PRELUDE, sqlHeredoc } from './lib/mariadb-sh.js';
import type { OpModule, OpPlan, PlanContext, ProbeOutput } from './types.js';

const NAME = /^[A-Za-z0-9_.-]+$/;
const ADDRESS = /^[A-Za-z0-9_.:-]+$/;

export const mariadbReplicationArgs = once(() =>
  z
    .strictObject({
      self: z.string().regex(NAME).describe("This host's inventory name (one of members)."),
      members: z
        .string()
        .describe('The group: "name=address" words separated by spaces or commas, in inventory order (every host of the replication group, this one included).')
        .transform((s, ctx) => {
          const out: { name: string; address: string }[] = [];
          for (const w of s.split(/[\s,]+/).filter(Boolean)) {
            const m = /^([^=]+)=(.+)$/.exec(w);
            if (!m || !NAME.test(m[1]!) || !ADDRESS.test(m[2]!)) ctx.addIssue({ code: 'custom', message: `expected name=address, got "${w}"` });
            else out.push({ name: m[1]!, address: m[2]! });
          }
          return out;
        }),
      primary: z.string().regex(NAME).describe('The host that starts as the primary of a new group (later the servers decide).'),
      user: z
        .string()
        .regex(/^[A-Za-z0-9_]{1,80}$/, 'expected letters, digits and _')
        .describe('Replication user (created on the primary for every member address).'),
      password: z
        .string()
        .min(1)
        .refine((p) => !/[\n\r\0]/.test(p), 'a password cannot hold line breaks')
        .describe('Its password (keep it in the vault).'),
      client_config: z
        .string()
        .regex(/^\/\S+$/)
        .describe('Client option file ([client] user, password, TLS) the probe reads to ask the peers.'),
      tls_dir: z
        .string()
        .regex(/^(\/\S+)?$/)
        .default('')
        .describe("Folder of ca.pem, node.pem and node.key: replication over TLS, the primary's certificate verified. Empty: no TLS."),
      seed_script: z
        .string()
        .regex(/^\/\S+$/)
        .default('/usr/local/lib/wpha/wpha-mariadb-seed')
        .describe('Script that seeds an empty replica from the writable peer (roles/mariadb/files).'),
      seed_port: z.number().int().min(1).max(65535).default(4445).describe("Port of the peers' backup stream."),
      wait: z.number().int().min(0).default(600).describe('Seconds a new primary waits for its first replica, and a new replica for a writable primary.'),
      connect_retry: z.number().int().min(1).default(2).describe("Seconds between a replica's reconnection attempts."),
    })
    .superRefine((a, ctx) => {
      if (!a.members.some((m) => m.name === a.self)) ctx.addIssue({ code: 'custom', path: ['self'], message: `"${a.self}" is not one of the members` });
      if (!a.members.some((m) => m.name === a.primary)) ctx.addIssue({ code: 'custom', path: ['primary'], message: `"${a.primary}" is not one of the members` });
    }),
);

export type MariadbReplicationArgs = z.output<ReturnType<typeof mariadbReplicationArgs>>;

export interface ReplicationState {
  members: Member[];
}

const login = (a: MariadbReplicationArgs): ReplicationLogin => ({ user: a.user, password: a.password, tlsDir: a.tls_dir, connectRetry: a.connect_retry });

function probe(a: MariadbReplicationArgs): string {
  const local = viewSql({ repl_user: `SELECT COUNT(*) FROM mysql.global_priv WHERE User = ${sqlString(a.user)}` });
  const remote = viewSql();
  const lines = [VIEW_FN, sh`wpha_db_view ${a.self} ${local}`];
  for (const m of a.members.filter((x) => x.name !== a.self)) lines.push(sh`wpha_db_view ${m.name} ${remote} --defaults-extra-file=${a.client_config} -h ${m.address}`);
  return lines.join('\n');
}

function parse(out: ProbeOutput, a: MariadbReplicationArgs): ReplicationState {
  const answers = parseViews(out.stdout);
  return { members: a.members.map((m) => ({ ...m, answer: answers.get(m.name) ?? { ok: false, error: 'no answer in the probe output' } })) };
}

function plan(a: MariadbReplicationArgs, state: ReplicationState, ctx: PlanContext): OpPlan {
  const me = state.members.find((m) => m.name === a.self)!;
  if (!me.answer.ok) {
    // Before MariaDB is installed or started in this run (check mode): nothing to read yet.
    if (ctx.check) return { changed: true, summary: [`join replication group as ${a.self} (MariaDB does not answer yet)`] };
    throw new OperationError(ctx.host, 'mariadb_replication', `Cannot set up replication on host "${ctx.host}": MariaDB on this host does not answer: ${me.answer.error}`);
  }
  const action = decideNode(a.self, state.members, a.primary);
  return planAction(a, me.answer.view, action, ctx);
}

function planAction(a: MariadbReplicationArgs, mine: NodeView, action: NodeAction, ctx: PlanContext): OpPlan {
  const peers = a.members.filter((m) => m.name !== a.self);
  const userSql = () =>
    replicationUserSql(
      a.user,
      a.password,
      a.members.map((m) => m.address),
      Boolean(a.tls_dir),
    );
  const hasUser = (mine.raw.repl_user ?? '0') !== '0';
  switch (action.kind) {
    case 'refuse':
      throw new OperationError(ctx.host, 'mariadb_replication', `Cannot set up replication on host "${ctx.host}": ${action.why}`);
    case 'keep':
      return { changed: false, summary: [], warnings: [`replication left as it is: ${action.why}`] };
    case 'primary': {
      const summary: string[] = [];
      const sql: string[] = [];
      const warnings: string[] = [];
      if (!hasUser) summary.push(`create replication user "${a.user}"`), sql.push(userSql());
      if (!mine.semiSync.masterEnabled && Number(mine.raw.slaves_connected ?? 0) > 0) {
        summary.push('turn semi-sync on (a replica is connected)');
        sql.push('SET GLOBAL rpl_semi_sync_master_enabled = 1;');
      } else if (!mine.semiSync.masterEnabled) warnings.push('semi-sync stays off: no replica is connected to this primary');
      if (!sql.length) return { changed: false, summary: [], ...(warnings.length ? { warnings } : {}) };
      return { changed: true, summary, apply: sqlHeredoc(sql.join('\n')), ...(warnings.length ? { warnings } : {}) };
    }
    case 'open': {
      const wait = action.bootstrap ? a.wait : 30;
      return {
        changed: true,
        summary: [`open this server as the primary (${action.why})`, ...(hasUser ? [] : [`create replication user "${a.user}"`])],
        apply: [
          hasUser ? '' : sqlHeredoc(userSql()),
          // A new primary opens at once (its replicas need its users to connect); a restarted one
          // turns semi-sync on first when its replicas are back, so no write is acknowledged unreplicated.
          action.bootstrap ? sqlHeredoc('SET GLOBAL read_only = 0;') : '',
          sh`wpha_repl_wait_replica ${wait} && wpha_sql 'SET GLOBAL rpl_semi_sync_master_enabled = 1;' || echo "@@WPHA_WARN no replica connected within ${wait} s: semi-sync stays off until one is (next apply)"`,
          action.bootstrap ? '' : sqlHeredoc('SET GLOBAL read_only = 0;'),
        ]
          .filter(Boolean)
          .join('\n'),
      };
    }
    case 'seed':
      return {
        changed: true,
        summary: [`seed this empty server from the writable peer and replicate from it (${action.why})`],
        apply: [
          `${sh`${a.seed_script} --wait ${a.wait} --port ${a.seed_port} --client ${a.client_config} --tls ${a.tls_dir || '-'}`} ${peers.map((p) => sh`${p.address}`).join(' ')} <<'WPHA_MASTER_OPTIONS'`,
          masterOptions(login(a)),
          'WPHA_MASTER_OPTIONS',
          'wpha_repl_wait_io 60',
        ].join('\n'),
      };
    case 'replica': {
      const summary: string[] = [];
      const steps: string[] = [];
      const r = mine.replica;
      const settingsDiffer = r && (r.usingGtid !== 'Slave_Pos' || r.masterUser !== a.user || r.sslVerify !== Boolean(a.tls_dir));
      if (action.setup === 'repoint' || settingsDiffer) {
        summary.push(`replicate from "${action.of.name}" (${action.of.address})${r ? ` instead of ${r.masterHost === action.of.address ? 'the old settings' : r.masterHost}` : ''}`);
        steps.push(sqlHeredoc(repointSql(action.of.address, login(a))), 'wpha_repl_wait_io 60');
      } else if (action.setup === 'start') {
        summary.push(`start replication from "${action.of.name}" (threads: IO ${r?.ioRunning}, SQL ${r?.sqlRunning})`);
        steps.push(sqlHeredoc('START SLAVE;'), 'wpha_repl_wait_io 60');
      }
      if (mine.semiSync.masterEnabled) {
        summary.push('turn semi-sync master off (a replica must not wait for acknowledgements)');
        steps.unshift(sqlHeredoc('SET GLOBAL rpl_semi_sync_master_enabled = 0;'));
      }
      return steps.length ? { changed: true, summary, apply: steps.join('\n') } : { changed: false, summary: [] };
    }
  }
}

const mariadbReplicationOp: OpModule<MariadbReplicationArgs, MariadbReplicationArgs, ReplicationState> = {
  name: 'mariadb_replication',
  summary: 'Make this host the primary or a replica of a MariaDB GTID replication group, as the servers (not the inventory) say.',
  get args() {
    return mariadbReplicationArgs();
  },
  prelude: REPLICATION_PRELUDE,
  // The files the probe and the seeding read: written earlier in the same run, they make its probe stale.
  resources: (a) => ['mariadb:replication', 'unit:mariadb.service', a.client_config, ...(a.tls_dir ? [a.tls_dir] : []), a.seed_script],
  // Seeding replaces the data folder and restarts the server: later probes are stale.
  barrier: true,
  probe,
  parse,
  plan,
};

export default mariadbReplicationOp;
