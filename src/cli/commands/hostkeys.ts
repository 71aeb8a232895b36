/** `wpha hostkeys scan|pin|rotate`: the host keys an inventory's known_hosts pins. */
import type { Command } from 'commander';
import { hostkeysPin, hostkeysRotate, hostkeysScan, type HostkeysIO } from '../../hostkeys/actions.js';
import { addInventoryOptions, loadInventoryFor, type InventoryFlags } from '../load.js';

function io(): HostkeysIO {
  return { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) };
}

async function load(flags: InventoryFlags) {
  return (await loadInventoryFor(flags)).inv;
}

export function register(program: Command): void {
  const hk = program
    .command('hostkeys')
    .description("Manage the host keys in an inventory's known_hosts (checked strictly on every connection)")
    .addHelpText(
      'after',
      `
wpha refuses a host whose key is not in known_hosts (unless --accept-new-host-keys) and a host
whose key changed (naming both fingerprints; nothing runs there). Typical flows:
  wpha hostkeys scan -i prod                 # show the fingerprints hosts present, and whether they are pinned
  wpha hostkeys scan -i prod -l web3 --pin   # after checking them out of band: record them
  wpha hostkeys rotate -i prod web1 --fingerprint SHA256:...   # a rebuilt host`,
    );

  addInventoryOptions(hk.command('scan').description('Fetch the keys hosts present (trusting none), print their fingerprints and whether known_hosts pins them'), { limit: true })
    .option('--pin', 'record the keys of hosts that have none in known_hosts yet (never replaces a recorded key)')
    .addHelpText(
      'after',
      `
No login is attempted: each key exchange is stopped at the host-key check. Only pin keys whose
fingerprints you have compared with what the host itself shows (its console, cloud-init output,
or \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` run there).
Exit status: 0 all hosts answered and none presents a key different from known_hosts, 1 otherwise.`,
    )
    .action(async (flags: InventoryFlags & { pin?: boolean }) => {
      process.exitCode = await hostkeysScan(await load(flags), { ...(flags.limit ? { limit: flags.limit } : {}), pin: Boolean(flags.pin) }, io());
    });

  addInventoryOptions(hk.command('pin').description("Record a host's key given by hand (a .pub file or the TYPE BASE64 text)"))
    .argument('<host>', 'inventory host name')
    .argument('<key...>', 'the public key: a path to a .pub file, or "ssh-ed25519 AAAA..."')
    .addHelpText(
      'after',
      `
A key of a type already recorded for the host with another value is refused: use rotate.`,
    )
    .action(async (host: string, key: string[], flags: InventoryFlags) => {
      await hostkeysPin(await load(flags), { host, key: key.join(' ') }, io());
    });

  addInventoryOptions(hk.command('rotate').description("Replace a host's recorded key after the operator confirms the new fingerprint"))
    .argument('<host>', 'inventory host name')
    .requiredOption('--fingerprint <SHA256:...>', 'the new key fingerprint, checked out of band; it must match what the host presents')
    .addHelpText(
      'after',
      `
The host's recorded keys are replaced by the one key whose fingerprint you give; nothing changes
when the host does not present it. Lines naming other hosts too are edited, not dropped.`,
    )
    .action(async (host: string, flags: InventoryFlags & { fingerprint: string }) => {
      await hostkeysRotate(await load(flags), { host, fingerprint: flags.fingerprint }, io());
    });
}
