/**
 * How bin/wpha's first line starts Node (`#!/usr/bin/env -S [-u NAME] [NAME=${VAR}] node --opt ...`):
 * the bench starts `node <options> --require <preload> bin/wpha` with the environment that line
 * gives, so it measures the process an operator runs. Only what bin/wpha's line uses is understood:
 * `-u NAME` (unset), `NAME=${VAR}` (the value VAR had, empty when unset) and node's own options.
 */
export interface ShebangLaunch {
  /** Node's options, in order. */
  nodeOptions: string[];
  /** Variables env removes. */
  unset: string[];
  /** Variables env sets, each from the value another had (`NAME=${VAR}`). */
  assign: { name: string; from: string }[];
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const LINE = new RegExp(`^#!\\s*\\S*\\benv(?:\\s+-S)?((?:\\s+-u\\s+${NAME}|\\s+${NAME}=\\$\\{${NAME}\\})*)\\s+node((?:\\s+--?[A-Za-z0-9][A-Za-z0-9=_.-]*)*)\\s*$`);

export function launchOfShebang(firstLine: string): ShebangLaunch {
  const m = LINE.exec(firstLine);
  if (!m) throw new Error(`not a node shebang with options: ${JSON.stringify(firstLine)}`);
  const words = (s: string) => s.trim().split(/\s+/).filter(Boolean);
  const unset: string[] = [];
  const assign: { name: string; from: string }[] = [];
  const envWords = words(m[1]!);
  for (let i = 0; i < envWords.length; i++) {
    if (envWords[i] === '-u') unset.push(envWords[++i]!);
    else {
      const [, name, from] = /^([^=]+)=\$\{([^}]+)\}$/.exec(envWords[i]!)!;
      assign.push({ name: name!, from: from! });
    }
  }
  return { nodeOptions: words(m[2]!), unset, assign };
}

/** The changes to `base` the line makes, for a child's environment (undefined: removed). */
export function envOfLaunch(launch: ShebangLaunch, base: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  // env -S expands ${VAR} from the environment it was given, before -u takes effect.
  for (const { name, from } of launch.assign) out[name] = base[from] ?? '';
  for (const name of launch.unset) if (!(name in out)) out[name] = undefined;
  return out;
}
