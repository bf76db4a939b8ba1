/**
 * The firmware configuration of the example apps on Moddable (mcconfig `oscore_*=` values, read by
 * moddable/main.ts and moddable/client-main.ts from `mc/config`), read here so that the boot
 * modules stay small and both apps read it the same way.
 *
 * Development only: a context in the configuration (`oscore_secret`, `oscore_salt`,
 * `oscore_sender`, `oscore_recipient`, `oscore_id_context`, `oscore_algorithm`; hex strings, the
 * algorithm as a COSE id) is stored when the partition holds none, with a warning at every boot —
 * every device flashed from that firmware would share the context (nonce reuse). Empty IDs are
 * legitimate in OSCORE (e.g. a server's Sender ID), so only the secret decides whether one is given.
 */
import { fromHex } from '../../src/bytes.js';
import { CONFIG_SECRET_WARNING } from '../../src/device-image/oscore-contexts.js';
import type { SecurityContextParams } from '../../src/oscore/context.js';

export type DeviceConfig = Record<string, unknown>;

/** `oscore_<name>` as text ('' when absent). */
function text(config: DeviceConfig, name: string): string {
  const v = config['oscore_' + name];
  return typeof v === 'string' ? v : '';
}

/** `oscore_<name>` as a positive number, else undefined (the app's default). */
export function configuredNumber(config: DeviceConfig, name: string): number | undefined {
  const n = Number(config['oscore_' + name]);
  return n > 0 ? n : undefined;
}

/** The first-boot context of the configuration (development only; logs the warning), or undefined. */
export function configuredContext(config: DeviceConfig, log: (line: string) => void): SecurityContextParams | undefined {
  const hex = (name: string) => (text(config, name) ? fromHex(text(config, name)) : undefined);
  if (!text(config, 'secret')) return undefined;
  log(CONFIG_SECRET_WARNING);
  return {
    masterSecret: fromHex(text(config, 'secret')),
    masterSalt: hex('salt'),
    senderId: fromHex(text(config, 'sender')),
    recipientId: fromHex(text(config, 'recipient')),
    idContext: hex('id_context'),
    algorithm: text(config, 'algorithm') ? Number(text(config, 'algorithm')) : undefined,
  };
}
