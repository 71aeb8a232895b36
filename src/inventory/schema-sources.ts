/**
 * `sources:` of inventory.yaml: where more hosts come from at load time. Today: a Terraform
 * output (src/inventory/terraform.ts, docs/terraform.md).
 */
import { z } from 'zod';

export const DEFAULT_TERRAFORM_OUTPUT = 'wpha_hosts';

export const TerraformSourceSchema = z
  .strictObject(
    {
      terraform: z.string({ error: 'Expected a file path' }).min(1).describe('JSON written by `terraform output -json`, relative to the inventory folder.'),
      output: z
        .string({ error: 'Expected an output name' })
        .regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, { error: 'Expected a Terraform output name' })
        .optional()
        .describe(`The output holding the hosts (a map of name -> { address, groups, vars, user, port }). Default ${DEFAULT_TERRAFORM_OUTPUT}.`),
    },
    { error: 'Expected a map with "terraform" (a file) and optionally "output"' },
  )
  .describe('Hosts from a Terraform output (see docs/terraform.md).');

export type TerraformSource = z.infer<typeof TerraformSourceSchema>;

export const SourcesSchema = z
  .array(TerraformSourceSchema, { error: 'Expected a list of sources' })
  .describe('More hosts, read when the inventory loads: Terraform outputs (`terraform output -json` files). Their hosts join the groups declared here.');
