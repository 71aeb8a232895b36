/**
 * What the replication drills do on lab hosts: SQL as root on a host, cutting a host off the lab
 * network from the machine's side of its veth (and back), the acknowledged-rows writer (PHP, on
 * the web node) and an HTTP probe loop (curl, on the front server), each stopped by a file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { labConfig } from '../../src/lab/config.js';
import { hostFiles } from '../../src/lab/host.js';
import type { LabHosts } from '../helpers/lab-hosts.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

export function drillTools(lab: LabHosts) {
  const sql = async (host: string, q: string) => {
    const r = await lab.ssh(host, "mariadb --batch -N <<'SQL'\n" + q + '\nSQL');
    if (r.code !== 0) throw new Error(`${host}: ${q}: ${r.stderr.trim()}`);
    return r.stdout.trim();
  };
  /** The machine-side end of a host's veth: down cuts the host off the bridge, as a dead network would. */
  const veth = (host: string) => `vb-${(JSON.parse(readFileSync(hostFiles(labConfig(), host).record, 'utf8')) as { machine: string }).machine}`;
  const cut = (host: string) => execa('ip', ['link', 'set', veth(host), 'down']);
  const reconnect = async (host: string) => {
    await execa('ip', ['link', 'set', veth(host), 'up']);
    // The bridge port forwards again after a moment; SSH answering says the host is back.
    for (let i = 0; i < 60; i++) {
      if ((await lab.ssh(host, 'true', { timeoutMs: 5000 })).code === 0) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${host} does not answer on SSH after its link came back`);
  };
  /** Starts the writer on `client` against host:port; returns how to stop it and read its log. */
  const startWriter = async (client: string, o: { host: string; port: number; user: string; password: string; db: string; table: string; start: number; tag: string }) => {
    const script = readFileSync(path.join(root, 'bench/db/acked-writer.php'), 'utf8');
    const dir = `/root/writer-${o.tag}`;
    await lab.ssh(client, `mkdir -p ${dir} && rm -f ${dir}/stop ${dir}/acked.log && cat > ${dir}/acked-writer.php`, { input: script });
    // stdin is read before the job goes to the background (a background job's stdin is /dev/null),
    // and only the one command is backgrounded, its output redirected: nothing keeps the SSH
    // session open.
    const r = await lab.ssh(
      client,
      `pw=$(cat); cd ${dir} || exit 1; WRITER_PASSWORD="$pw" nohup php acked-writer.php --host ${o.host} --port ${o.port} --user ${o.user} --db ${o.db} --table ${o.table} --start ${o.start} --out ${dir}/acked.log --stop ${dir}/stop > ${dir}/writer.err 2>&1 < /dev/null & echo $!`,
      { input: o.password },
    );
    const pid = r.stdout.trim();
    return {
      log: async () => (await lab.ssh(client, `cat ${dir}/acked.log`)).stdout,
      stop: async () => {
        await lab.ssh(client, `touch ${dir}/stop; while kill -0 ${pid} 2>/dev/null; do sleep 0.2; done; cat ${dir}/writer.err`);
        return (await lab.ssh(client, `cat ${dir}/acked.log`)).stdout;
      },
    };
  };
  /** Requests `url` with a Host header every `everyMs` from `from`, logging "<time> <status>". */
  const startHttpLoop = async (from: string, url: string, hostHeader: string, everyMs = 200) => {
    const dir = '/root/http-loop';
    const loop = `while [ ! -e ${dir}/stop ]; do t=$(date +%s.%N); c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Host: ${hostHeader}' "${url}$t"); echo "$t $c" >> ${dir}/log; sleep ${everyMs / 1000}; done`;
    const r = await lab.ssh(from, `loop=$(cat); mkdir -p ${dir} && rm -f ${dir}/stop ${dir}/log || exit 1; nohup sh -c "$loop" > /dev/null 2>&1 < /dev/null & echo $!`, { input: loop });
    const pid = r.stdout.trim();
    return {
      stop: async () => {
        await lab.ssh(from, `touch ${dir}/stop; while kill -0 ${pid} 2>/dev/null; do sleep 0.2; done`);
        return (await lab.ssh(from, `cat ${dir}/log`)).stdout;
      },
    };
  };
  return { sql, cut, reconnect, startWriter, startHttpLoop };
}
