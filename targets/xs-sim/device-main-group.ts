/**
 * Entry of the simulator's Group OSCORE device bundle (rollup → dist/device/sim-device-group.js):
 * the example device app as one member of a group (examples/device/group.ts) beside its stored
 * OSCORE context, on the bridged ports. The group material comes from the build configuration
 * (`globalThis.deviceConfig.group`, as mcconfig's `mc/config` would carry it). A separate entry,
 * so the OSCORE-only bundles carry no Group OSCORE and no signatures. The asymmetric crypto is
 * @noble/curves (xsnap has no native Ed25519/P-256).
 */
import { startDeviceApp } from '../../examples/device/app.js';
import { deviceStatus } from '../../examples/device/status.js';
import { groupSecurity, type DeviceGroupConfig } from '../../examples/device/group.js';
import { nobleAsymmetricCrypto } from '../../src/crypto/asymmetric-noble.js';
import type { SecurityContextParams } from '../../src/oscore/context.js';
import { fromHex } from '../../src/bytes.js';
import { createSimulatedDevicePorts, installEventHandler, log } from './device-ports.js';

interface GroupDeviceConfig {
  sensorIntervalMs?: number;
  group?: DeviceGroupConfig;
  /** The pairwise context written on first boot (hex), as provisioning would. */
  provision?: { masterSecret: string; masterSalt?: string; senderId: string; recipientId: string };
}

const config = (globalThis as { deviceConfig?: GroupDeviceConfig }).deviceConfig ?? {};

const ports = createSimulatedDevicePorts();
try {
  if (!config.group) throw new Error('no group in the device configuration');
  const p = config.provision;
  const provision: SecurityContextParams | undefined = p && { masterSecret: fromHex(p.masterSecret), masterSalt: p.masterSalt ? fromHex(p.masterSalt) : undefined, senderId: fromHex(p.senderId), recipientId: fromHex(p.recipientId) };
  const app = startDeviceApp(ports, { log, provision, sensorIntervalMs: config.sensorIntervalMs, security: groupSecurity(config.group, { crypto: nobleAsymmetricCrypto, random: ports.random, clock: ports.clock, log }) });
  installEventHandler(ports, { shutdown: () => app.shutdown(), status: () => deviceStatus(app) });
} catch (e) {
  log('device failed to start: ' + String((e as Error)?.message ?? e));
  installEventHandler(ports, { status: () => ({ failed: String((e as Error)?.message ?? e) }) });
}
