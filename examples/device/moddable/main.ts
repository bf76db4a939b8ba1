/**
 * The example device app on Moddable (ESP32, and `lin` in mcsim): binds the Moddable ports and
 * starts examples/device/app.ts on UDP port 5683 with the security contexts of the `oscore` flash
 * partition, written there as a device image (`oscore-xs context new --device-image`, see
 * docs/device.md). mcconfig `oscore_port=N` serves on another port (e.g. for several mcsim
 * instances on one machine; with `oscore_flash=FILE` for their partitions on lin), and
 * `oscore_sensor_ms=N` reads the sensor every N ms instead of 2000. Console lines go to `trace()`
 * (xsbug / serial; stdout in mcsim).
 *
 * Development only: a context in the firmware configuration (mcconfig `oscore_secret=…
 * oscore_sender=… oscore_recipient=…`) is stored when the partition holds none, with a warning at
 * every boot — every device flashed from that firmware would share the context (nonce reuse).
 */
import config from 'mc/config';
import { fromHex } from '../../../src/bytes.js';
import { CONFIG_SECRET_WARNING } from '../../../src/device-image/oscore-contexts.js';
import type { SecurityContextParams } from '../../../src/oscore/context.js';
import { createModdablePorts, platformName } from '../../../targets/moddable/index.js';
import { startDeviceApp } from '../app.js';

function log(line: string): void {
  trace(line + '\n');
}

/**
 * The optional first-boot context from the build configuration (hex strings). Empty IDs are
 * legitimate in OSCORE (e.g. a server's Sender ID), so only the secret decides whether one is given.
 */
function configuredContext(): SecurityContextParams | undefined {
  const c = config as Record<string, unknown>;
  const text = (k: string) => (typeof c[k] === 'string' ? (c[k] as string) : '');
  if (!text('oscore_secret')) return undefined;
  log(CONFIG_SECRET_WARNING);
  const optional = (k: string) => (text(k) ? fromHex(text(k)) : undefined);
  return {
    masterSecret: fromHex(text('oscore_secret')),
    masterSalt: optional('oscore_salt'),
    senderId: fromHex(text('oscore_sender')),
    recipientId: fromHex(text('oscore_recipient')),
    idContext: optional('oscore_id_context'),
    algorithm: text('oscore_algorithm') ? Number(text('oscore_algorithm')) : undefined,
  };
}

const configuredPort = Number((config as Record<string, unknown>).oscore_port);
const ports = createModdablePorts({ port: configuredPort > 0 ? configuredPort : 5683, partition: 'oscore' });
log('oscore-xs example device on ' + platformName);
try {
  const sensorMs = Number((config as Record<string, unknown>).oscore_sensor_ms);
  startDeviceApp(ports, { log, provision: configuredContext(), sensorIntervalMs: sensorMs > 0 ? sensorMs : undefined });
} catch (e) {
  log('device failed to start: ' + String((e as Error)?.message ?? e));
}
