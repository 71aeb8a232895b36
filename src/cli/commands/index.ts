/**
 * Every command lives in its own file and exports `register(program)`; this list wires them in.
 * Keep one import per line so that parallel work on different commands merges cleanly.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;

export const commandModules: (() => Promise<{ register: Register }>)[] = [
  () => import('./lab.js'),
  () => import('./apply.js'),
  () => import('./adhoc.js'),
  () => import('./history.js'),
  () => import('./inventory.js'),
  () => import('./schema.js'),
  () => import('./vault.js'),
  () => import('./hostkeys.js'),
];
