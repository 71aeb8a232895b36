/** A TCP/UDP port number, as inventories, roles and scenarios write it. */
import { z } from 'zod';

export const PortNumberSchema = z
  .int({ error: 'Expected a port number (an integer from 1 to 65535)' })
  .min(1, { error: 'Expected a port number from 1 to 65535' })
  .max(65535, { error: 'Expected a port number from 1 to 65535' });
