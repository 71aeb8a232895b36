/**
 * How a whole vault file starts. The YAML reader recognizes such a file and has it decrypted
 * (through the DecryptTag it is given) before parsing it; the vault's envelope format
 * (src/vault/envelope.ts) writes this header. Here, below both, so the reader needs no vault code.
 */
export const ENVELOPE_MAGIC = '$WPHA_VAULT';

/** True when `text` starts like an envelope (leading blank lines allowed): whole vault files. */
export function looksLikeEnvelope(text: string): boolean {
  return text.trimStart().startsWith(`${ENVELOPE_MAGIC};`);
}
