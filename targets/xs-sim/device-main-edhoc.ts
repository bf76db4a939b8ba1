/**
 * Entry of the simulator's EDHOC device bundle (rollup → dist/device/sim-device-edhoc.js, what
 * `npm start` runs): the example device app with EDHOC (examples/device/edhoc.ts) beside its stored
 * OSCORE context, on the bridged ports. A separate entry, so the OSCORE-only bundles carry no EDHOC.
 * The asymmetric crypto is @noble/curves here (xsnap has no native P-256; the Moddable build
 * substitutes the SDK's).
 */
import { startDeviceApp } from '../../examples/device/app.js';
import { deviceStatus } from '../../examples/device/status.js';
import { edhocSecurity } from '../../examples/device/edhoc.js';
import { nobleAsymmetricCrypto } from '../../src/crypto/asymmetric-noble.js';
import { createSimulatedDevicePorts, installEventHandler, log } from './device-ports.js';

const config = (globalThis as { deviceConfig?: { sensorIntervalMs?: number } }).deviceConfig ?? {};

const ports = createSimulatedDevicePorts();
try {
  const app = startDeviceApp(ports, { log, sensorIntervalMs: config.sensorIntervalMs, security: edhocSecurity({ crypto: nobleAsymmetricCrypto, random: ports.random, clock: ports.clock, log }) });
  installEventHandler(ports, { shutdown: () => app.shutdown(), status: () => deviceStatus(app) });
} catch (e) {
  log('device failed to start: ' + String((e as Error)?.message ?? e));
  installEventHandler(ports, { status: () => ({ failed: String((e as Error)?.message ?? e) }) });
}
