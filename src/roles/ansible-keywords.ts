/**
 * Ansible task keywords wpha does not take, each with what to write instead: the loader adds the
 * hint to its "Unknown operation or keyword" error, so a task copied from a playbook says how to
 * port it rather than only that it is wrong.
 */
const LOOP = 'use `loop:` (a list, or "{{ var }}" holding one; `loop_var:` names the item)';

export const ANSIBLE_KEYWORD_HINTS: ReadonlyMap<string, string> = new Map([
  ['no_log', 'not needed: vault values and variables a role marks `secret` are masked in every output, diff, report and log'],
  ['with_items', LOOP],
  ['with_list', LOOP],
  ['with_dict', 'use `loop:` over a list of maps (`item.key`, `item.value` become fields you name)'],
  ['with_fileglob', 'list the files in the role (`loop:` over them)'],
  ['environment', 'give `command` or `shell` an `env:` map (its values never appear on a command line)'],
  ['args', "put the arguments in the operation's own map"],
  ['vars', 'give the values in the arguments, or declare them as role `variables:`'],
  ['check_mode', 'every task is planned in `--check` / `wpha plan` and none runs; a task cannot opt out'],
  ['become_method', "wpha becomes root with sudo (the host's `become`)"],
  ['become_flags', "wpha becomes root with sudo (the host's `become`)"],
  ['async', 'a step runs within its round trip; for a long job, start a systemd unit (`systemd_unit`, `service`) and `wait_for` it'],
  ['poll', 'a step runs within its round trip; for a long job, start a systemd unit (`systemd_unit`, `service`) and `wait_for` it'],
  ['local_action', '`delegate_to:` an inventory host (`connection: local` hosts reach the machine wpha runs on)'],
  ['include_tasks', "a role's tasks are one list in role.yaml; share tasks through a role in `depends:`"],
  ['import_tasks', "a role's tasks are one list in role.yaml; share tasks through a role in `depends:`"],
  ['include_role', "list the role in `depends:` (or in the group's `roles:`)"],
  ['import_role', "list the role in `depends:` (or in the group's `roles:`)"],
  ['set_fact', '`register:` a result, or compute the value in an expression where it is used'],
  ['debug', 'no debug operation: `wpha facts` prints what tasks see, `--diff` what they change, `register:` + `--json` what a command printed'],
]);

/** ": <hint>" for a known Ansible keyword, "" otherwise. */
export function ansibleKeywordHint(key: string): string {
  const hint = ANSIBLE_KEYWORD_HINTS.get(key);
  return hint ? ` (Ansible's keyword): ${hint}` : '';
}
