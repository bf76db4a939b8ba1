/**
 * Entry of the simulator's device bundle (rollup → dist/device/sim-device.js, an IIFE for
 * xsnap-worker): the example device app on the bridged ports. The only difference from the ESP32
 * build (examples/device/main.ts) is where the ports come from; the sim has no `crypt`, so CCM
 * runs on the @noble/ciphers AES fallback and HKDF on @noble/hashes.
 */
import { startDeviceApp } from '../../examples/device/app.js';
import { deviceStatus } from '../../examples/device/status.js';
import { createSimulatedDevicePorts, installEventHandler, log } from './device-ports.js';

/** Set by the host before the bundle runs (SimulatedDeviceHost's `config`), as mcconfig's config would be. */
const config = ((globalThis as { deviceConfig?: { sensorIntervalMs?: number } }).deviceConfig ?? {});

const ports = createSimulatedDevicePorts();
try {
  const app = startDeviceApp(ports, { log, sensorIntervalMs: config.sensorIntervalMs });
  installEventHandler(ports, { shutdown: () => app.shutdown(), status: () => deviceStatus(app) });
} catch (e) {
  log('device failed to start: ' + String((e as Error)?.message ?? e));
  installEventHandler(ports, { status: () => ({ failed: String((e as Error)?.message ?? e) }) });
}
