/**
 * `template`: render a Handlebars template from the role's `templates/` folder on the controller
 * and write the result like `copy` does (atomic, validated, hashed; only differing bytes travel).
 *
 *   - name: nginx site
 *     template: { src: site.conf.hbs, dest: /etc/nginx/sites-available/shop.conf, validate_live: "nginx -t" }
 *     notify: reload nginx
 *
 * Rendering is strict: a variable the template uses but nobody defined is an error naming it.
 * `vars` adds variables for this template only (on top of the host's vars and `facts`).
 */
import { z } from 'zod';
import { once } from './lib/lazy.js';
import { FILE_PRELUDE, parseFileState, planWholeFile, wholeFileFields, wholeFileProbe, withContent, type FileState, type PreparedWholeFile } from './lib/index.js';
import type { OpModule } from './types.js';

const templateArgs = once(() =>
  z
    .object({
      src: z.string().min(1).describe("Template in the role's templates/ folder, relative to it."),
      vars: z.record(z.string(), z.unknown()).optional().describe('Extra variables for this template only.'),
      ...wholeFileFields(),
    })
    .strict(),
);

export type TemplateArgs = z.output<ReturnType<typeof templateArgs>>;
export type TemplatePrepared = PreparedWholeFile & { src: string };

const templateOp: OpModule<TemplateArgs, TemplatePrepared, FileState> = {
  name: 'template',
  summary: "Render a Handlebars template from the role's templates/ folder and write it atomically like copy.",
  prelude: FILE_PRELUDE,
  get args() {
    return templateArgs();
  },
  prepare(a, ctx) {
    const { vars, ...rest } = a;
    return withContent(rest, ctx.renderTemplate(a.src, vars));
  },
  resources: (a) => [a.dest],
  probe: wholeFileProbe,
  parse: (out, a) => parseFileState(out, a.dest),
  plan: (a, s, ctx) => planWholeFile('template', a, s, ctx),
};

export default templateOp;
