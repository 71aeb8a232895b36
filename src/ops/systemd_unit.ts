/**
 * `systemd_unit`: write a unit file to /etc/systemd/system/<name> (0644 root:root) from inline
 * `content` or a Handlebars template `src` in the role's templates/, reload systemd when the file
 * changed, and optionally enable and start (or stop) the unit.
 *
 *   - name: Cache warmer service
 *     systemd_unit:
 *       name: cache-warmer.service
 *       src: cache-warmer.service.hbs
 *       enabled: true
 *       state: started
 *
 * `systemctl daemon-reload` runs automatically, in the same apply, only when the file's content
 * changed. Changing a unit file does NOT restart a running unit: notify a handler (service:
 * restarted) for that. Remember that `%` is a specifier in unit files: write `%%` for a literal %.
 * Without `enabled`/`state` only the file is managed.
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import {
  FILE_PRELUDE,
  fileStateProbe,
  hasInstallSection,
  joinSteps,
  parseFileState,
  parseUnitState,
  planFile,
  planUnitState,
  sectionMarker,
  sha256Hex,
  splitSections,
  UNIT_DIR,
  unitName,
  unitStateProbe,
  type FileState,
  type UnitState,
} from './lib/index.js';
import type { OpModule, OpPlan } from './types.js';

const systemdUnitArgs = once(() =>
  z
    .object({
      name: unitName().describe('Unit file name, e.g. "cache-warmer.service"; written to /etc/systemd/system/<name>.'),
      content: z.string().optional().describe('The unit file text (mutually exclusive with src).'),
      src: z.string().min(1).optional().describe("Handlebars template in the role's templates/ folder (mutually exclusive with content)."),
      vars: z.record(z.string(), z.unknown()).optional().describe('Extra variables for the template.'),
      enabled: z.boolean().optional().describe('Enable (true) or disable (false) the unit at boot. Unset: leave as is.'),
      state: z.enum(['started', 'stopped']).optional().describe('Start or stop the unit now. Unset: leave as is.'),
    })
    .strict()
    .superRefine((a, ctx) => {
      if ((a.content === undefined) === (a.src === undefined)) ctx.addIssue({ code: 'custom', path: ['content'], message: 'give exactly one of content or src' });
      if (a.vars !== undefined && a.src === undefined) ctx.addIssue({ code: 'custom', path: ['vars'], message: 'vars only apply to a template (src)' });
    }),
);

export type SystemdUnitArgs = z.output<ReturnType<typeof systemdUnitArgs>>;

export interface SystemdUnitPrepared {
  name: string;
  path: string;
  content: Buffer;
  sha256: string;
  enabled?: boolean;
  state?: 'started' | 'stopped';
}

export interface SystemdUnitState {
  file: FileState;
  unit: UnitState;
}

const UNIT_ATTRS = { mode: '0644', owner: 'root', group: 'root' };

export function unitFileProbe(path: string, sha: string, diff: boolean): string {
  return fileStateProbe(path, { content: diff ? 'if-differs' : 'sha', want: sha });
}

const systemdUnitOp: OpModule<SystemdUnitArgs, SystemdUnitPrepared, SystemdUnitState> = {
  name: 'systemd_unit',
  summary: 'Write a systemd unit file, daemon-reload when it changed, and optionally enable and start/stop the unit.',
  prelude: FILE_PRELUDE,
  get args() {
    return systemdUnitArgs();
  },
  prepare(a, ctx) {
    const text = a.content ?? ctx.renderTemplate(a.src as string, a.vars);
    const content = Buffer.from(text);
    return { name: a.name, path: `${UNIT_DIR}/${a.name}`, content, sha256: sha256Hex(content), enabled: a.enabled, state: a.state };
  },
  resources: (a) => [a.path, `unit:${a.name}`],
  probe(a, ctx) {
    const lines = [unitFileProbe(a.path, a.sha256, ctx.diff)];
    if (a.enabled !== undefined || a.state !== undefined) lines.push(sectionMarker('unit'), unitStateProbe(a.name));
    return lines.join('\n');
  },
  parse(out, a) {
    const parts = splitSections(out.stdout);
    return { file: parseFileState({ stdout: parts.get('') ?? '', rc: out.rc }, a.path), unit: parseUnitState(parts.get('unit') ?? '') };
  },
  plan(a, s, ctx): OpPlan {
    const fp = planFile({ op: 'systemd_unit', path: a.path, content: a.content, attrs: UNIT_ATTRS }, s.file, ctx);
    const unit = planUnitState('systemd_unit', a.name, a, s.unit, { fileChanged: fp.contentChanged, hasInstall: hasInstallSection(a.content.toString('utf8')) }, ctx);
    const { contentChanged: _c, attrsChanged: _a, ...filePlan } = fp;
    if (!filePlan.changed && unit.commands.length === 0) return { changed: false, summary: [] };
    return {
      ...filePlan,
      changed: true,
      summary: [...filePlan.summary, ...unit.summary],
      apply: joinSteps(filePlan.apply ?? '', ...unit.commands),
    };
  },
};

export default systemdUnitOp;
