/**
 * Every command lives in its own file and exports `register(program)`; this table wires them in,
 * by the command names each file registers. Only the file of the command being run is loaded
 * (its imports, such as SSH, templates or the vault, are what start-up costs); `--help`, `help`
 * and unknown commands load them all. Keep one entry per line.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;
type Loader = () => Promise<{ register: Register }>;

const lab: Loader = () => import('./lab.js');
const apply: Loader = () => import('./apply.js');
const adhoc: Loader = () => import('./adhoc.js');
const history: Loader = () => import('./history.js');
const inventory: Loader = () => import('./inventory.js');
const schema: Loader = () => import('./schema.js');
const vault: Loader = () => import('./vault.js');
const hostkeys: Loader = () => import('./hostkeys.js');
const report: Loader = () => import('./report.js');
const image: Loader = () => import('./image.js');
const machines: Loader = () => import('./machines.js');
const db: Loader = () => import('./db/index.js');
const upgrade: Loader = () => import('./upgrade.js');
const test: Loader = () => import('./test.js');
const lint: Loader = () => import('./lint.js');
const backup: Loader = () => import('./backup/index.js');

/** Command name -> the file that registers it. */
export const commandFiles: Readonly<Record<string, Loader>> = {
  lab,
  apply,
  plan: apply,
  run: adhoc,
  facts: adhoc,
  history,
  inventory,
  schema,
  vault,
  hostkeys,
  report,
  image,
  machines,
  db,
  upgrade,
  test,
  lint,
  backup,
};

/** Every file once, in help order. */
export const commandModules: Loader[] = [lab, image, machines, upgrade, apply, adhoc, test, lint, history, inventory, schema, vault, hostkeys, report, db, backup];
