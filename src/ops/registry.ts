/** Every operation wpha ships, by task key. */
import type { OpModule } from './types.js';
import apt from './apt.js';
import apt_key from './apt_key.js';
import apt_repository from './apt_repository.js';
import artifact from './artifact.js';
import authorized_key from './authorized_key.js';
import blockinfile from './blockinfile.js';
import command from './command.js';
import copy from './copy.js';
import cron from './cron.js';
import file from './file.js';
import get_url from './get_url.js';
import git from './git.js';
import group from './group.js';
import lineinfile from './lineinfile.js';
import mariadb_replication from './mariadb_replication.js';
import mount from './mount.js';
import service from './service.js';
import shell from './shell.js';
import sysctl from './sysctl.js';
import systemd_timer from './systemd_timer.js';
import systemd_timer_prune from './systemd_timer_prune.js';
import systemd_unit from './systemd_unit.js';
import template from './template.js';
import unarchive from './unarchive.js';
import user from './user.js';
import wait_for from './wait_for.js';

const ALL: OpModule[] = [
  apt,
  apt_key,
  apt_repository,
  artifact,
  authorized_key,
  blockinfile,
  command,
  copy,
  cron,
  file,
  get_url,
  git,
  group,
  lineinfile,
  mariadb_replication,
  mount,
  service,
  shell,
  sysctl,
  systemd_timer,
  systemd_timer_prune,
  systemd_unit,
  template,
  unarchive,
  user,
  wait_for,
];

export type OpRegistry = ReadonlyMap<string, OpModule>;

export const OPS: OpRegistry = new Map(ALL.map((op) => [op.name, op]));
