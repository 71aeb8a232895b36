/**
 * Helpers of the Galera lab test: SQL on a node (as root through its socket), the node's wsrep
 * status, waiting until a condition holds, and the acknowledged-rows writer
 * (bench/db/acked-writer.py) started on a lab host and stopped with its results.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LabHosts } from '../helpers/lab-hosts.js';

const writerSource = readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../../bench/db/acked-writer.py'), 'utf8');

export interface WriterResult {
  /** Ids the server acknowledged, in order. */
  acked: number[];
  /** Ids whose connection broke before the answer (committed or not: either is correct). */
  unknown: number[];
  /** Unix times (s) of the acknowledgements, by id. */
  at: Map<number, number>;
  /** The writer's own summary line. */
  summary: string;
}

export function galeraCluster(lab: LabHosts) {
  const name = (i: number) => lab.hosts[i]!.name;
  /** SQL as root on node i (the statement on stdin); rows as tab-separated lines. */
  const sql = async (i: number, query: string): Promise<string> => {
    const r = await lab.ssh(name(i), 'mariadb -N -B', { input: query });
    if (r.code !== 0) throw new Error(`SQL on ${name(i)} failed: ${r.stderr.trim()}\n${query}`);
    return r.stdout.trim();
  };
  /** wsrep_* status of node i (empty when the server does not answer). */
  const status = async (i: number): Promise<Record<string, string>> => {
    const r = await lab.ssh(name(i), 'mariadb -N -B', { input: "SHOW GLOBAL STATUS LIKE 'wsrep_%'" });
    if (r.code !== 0) return {};
    return Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t') as [string, string]),
    );
  };
  const synced = async (i: number, size: number) => {
    const s = await status(i);
    return s.wsrep_local_state_comment === 'Synced' && s.wsrep_cluster_status === 'Primary' && Number(s.wsrep_cluster_size) === size;
  };
  /** Journal lines of MariaDB on node i since a unix time (seconds). */
  const journal = async (i: number, since: number) => (await lab.ssh(name(i), `journalctl -u mariadb --no-pager -o short-unix --since @${Math.floor(since)}`)).stdout;

  /** Starts the writer on host `on` against `targets` (addresses), ids from `start`. */
  const startWriter = async (on: number, targets: string[], opts: { start: number; user: string; password: string; db: string; table: string; tag: string; rate?: number; port?: number }) => {
    const dir = `/root/writer-${opts.tag}`;
    const put = await lab.ssh(name(on), `mkdir -p ${dir} && cat > ${dir}/acked-writer.py`, { input: writerSource });
    if (put.code !== 0) throw new Error(`Cannot copy the writer: ${put.stderr}`);
    const args = `--hosts ${targets.join(',')} --user ${opts.user} --db ${opts.db} --table ${opts.table} --start ${opts.start} --out ${dir}/acked --stop ${dir}/stop --rate ${opts.rate ?? 0} --port ${opts.port ?? 3306}`;
    // The password travels on stdin into the environment of the detached writer.
    const r = await lab.ssh(name(on), `read -r WRITER_PASSWORD; export WRITER_PASSWORD; setsid python3 ${dir}/acked-writer.py ${args} > /dev/null 2> ${dir}/err < /dev/null & echo started`, {
      input: `${opts.password}\n`,
    });
    if (!r.stdout.includes('started')) throw new Error(`Cannot start the writer: ${r.stderr}`);
    return {
      /** Acknowledged rows so far. */
      count: async () => Number((await lab.ssh(name(on), `grep -c '^[0-9]' ${dir}/acked || true`)).stdout.trim() || 0),
      stop: async (): Promise<WriterResult> => {
        await lab.ssh(name(on), `touch ${dir}/stop; for i in $(seq 1 150); do [ -s ${dir}/err ] && break; sleep 0.2; done`);
        const out = (await lab.ssh(name(on), `cat ${dir}/acked`)).stdout.trim().split('\n').filter(Boolean);
        const acked: number[] = [];
        const unknown: number[] = [];
        const at = new Map<number, number>();
        for (const l of out) {
          const f = l.split(' ');
          if (f[0] === '?') unknown.push(Number(f[1]));
          else if (/^\d+$/.test(f[0]!)) {
            acked.push(Number(f[0]));
            at.set(Number(f[0]), Number(f[2]));
          }
        }
        return { acked, unknown, at, summary: (await lab.ssh(name(on), `cat ${dir}/err`)).stdout.trim() };
      },
    };
  };
  return { name, sql, status, synced, journal, startWriter };
}

/** Ids of `expected` missing from `have` (rows read back from a node). */
export function missing(expected: readonly number[], have: readonly number[]): number[] {
  const got = new Set(have);
  return expected.filter((id) => !got.has(id));
}
