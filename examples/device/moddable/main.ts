/**
 * The example device app on Moddable (ESP32, and `lin` in mcsim): binds the Moddable ports,
 * takes the first-boot security context from the firmware configuration (mcconfig
 * `oscore_secret=… oscore_sender=… oscore_recipient=…`, see docs/device.md), and starts
 * examples/device/app.ts on UDP port 5683. Console lines go to `trace()` (xsbug / serial).
 */
import config from 'mc/config';
import { fromHex } from '../../../src/bytes.js';
import type { SecurityContextParams } from '../../../src/oscore/context.js';
import { createModdablePorts, platformName } from '../../../targets/moddable/index.js';
import { startDeviceApp } from '../app.js';

function log(line: string): void {
  trace(line + '\n');
}

/** The optional first-boot context from the build configuration (hex strings). */
function configuredContext(): SecurityContextParams | undefined {
  const c = config as Record<string, unknown>;
  const hex = (k: string) => (typeof c[k] === 'string' && c[k] !== '' ? fromHex(c[k] as string) : undefined);
  const secret = hex('oscore_secret');
  const sender = hex('oscore_sender');
  const recipient = hex('oscore_recipient');
  if (!secret || !sender || !recipient) return undefined;
  return {
    masterSecret: secret,
    masterSalt: hex('oscore_salt'),
    senderId: sender,
    recipientId: recipient,
    idContext: hex('oscore_id_context'),
    algorithm: typeof c.oscore_algorithm === 'number' ? c.oscore_algorithm : c.oscore_algorithm ? Number(c.oscore_algorithm) : undefined,
  };
}

const ports = createModdablePorts({ port: 5683, partition: 'oscore' });
log('oscore-xs example device on ' + platformName);
try {
  startDeviceApp(ports, { log, provision: configuredContext() });
} catch (e) {
  log('device failed to start: ' + String((e as Error)?.message ?? e));
}
