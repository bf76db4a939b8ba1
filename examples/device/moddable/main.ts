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
 * oscore_sender=… oscore_recipient=…`, read by ../config.ts) is stored when the partition holds
 * none, with a warning at every boot — every device flashed from that firmware would share the
 * context (nonce reuse).
 */
import config from 'mc/config';
import { createModdablePorts, platformName } from '../../../targets/moddable/index.js';
import { startDeviceApp } from '../app.js';
import { configuredContext, configuredNumber } from '../config.js';

function log(line: string): void {
  trace(line + '\n');
}

const ports = createModdablePorts({ port: configuredNumber(config, 'port') ?? 5683, partition: 'oscore' });
log('oscore-xs example device on ' + platformName);
try {
  startDeviceApp(ports, { log, provision: configuredContext(config, log), sensorIntervalMs: configuredNumber(config, 'sensor_ms') });
} catch (e) {
  log('device failed to start: ' + String((e as Error)?.message ?? e));
}
