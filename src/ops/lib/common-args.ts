/**
 * Argument schemas several operations share, each built fresh by its function (so every
 * operation's schema, and the JSON Schema made from it, stays its own): a sha256 checksum, an
 * http(s) URL, a file base name.
 */
import { z } from 'zod';

/** 64 hexadecimal digits, any case; lowercased. */
export const sha256Arg = () =>
  z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hexadecimal digits' })
    .transform((s) => s.toLowerCase());

/** An http:// or https:// URL. */
export const httpUrlArg = () => z.string().refine((u) => URL.canParse(u) && ['http:', 'https:'].includes(new URL(u).protocol), { message: 'must be an http:// or https:// URL' });

/** A file base name such as "proxysql" (lowercase letters, digits, "._-"). */
export const baseNameArg = () => z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { message: 'must be a file name such as "proxysql" (lowercase letters, digits, "._-")' });
