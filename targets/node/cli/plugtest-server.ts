/** Placeholder until the CoAP stack lands. */
import type { CliIo } from './io.js';
export async function plugtestServer(_argv: string[], io: CliIo): Promise<number> {
  io.err('not implemented yet\n');
  return 1;
}
