/** The args schemas of the package/service/account/command ops are the docs: every field is described. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import apt from './apt.js';
import authorizedKey from './authorized_key.js';
import command from './command.js';
import cron from './cron.js';
import group from './group.js';
import service from './service.js';
import shell from './shell.js';
import sysctl from './sysctl.js';
import type { OpModule } from './types.js';
import user from './user.js';
import waitFor from './wait_for.js';

const OPS: OpModule[] = [apt, service, user, group, command, shell, waitFor, cron, sysctl, authorizedKey];

describe('B2 op schemas', () => {
  it.each(OPS.map((op) => [op.name, op] as const))('%s: JSON Schema with a description for every field', (_name, op) => {
    const json = z.toJSONSchema(op.args, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, { description?: string }> };
    const props = Object.entries(json.properties ?? {});
    expect(props.length).toBeGreaterThan(0);
    expect(props.filter(([, p]) => !p.description).map(([k]) => k)).toEqual([]);
    expect(op.summary.length).toBeGreaterThan(20);
  });
});
