/**
 * The client-only example on Moddable: reports a reading to `config.oscore_target` (a coap:// URI)
 * every 10 s (mcconfig `oscore_interval_ms=N` to change) under OSCORE, with the first security
 * context of the `oscore` partition (a device image, as main.ts; `oscore_*=` configuration values
 * only as a development fallback, with a warning) and the same flash file setting on lin (`oscore_flash`).
 */
import config from 'mc/config';
import { fromHex } from '../../../src/bytes.js';
import { CONFIG_SECRET_WARNING } from '../../../src/device-image/oscore-contexts.js';
import { createModdablePorts } from '../../../targets/moddable/index.js';
import { startClientApp } from '../client-app.js';

const c = config as Record<string, string | undefined>;
const hex = (k: string) => (c[k] ? fromHex(c[k] as string) : undefined);
const ports = createModdablePorts({ partition: 'oscore' });
const provision = c.oscore_secret
  ? { masterSecret: hex('oscore_secret')!, masterSalt: hex('oscore_salt'), senderId: hex('oscore_sender') ?? new Uint8Array(0), recipientId: hex('oscore_recipient') ?? new Uint8Array(0) }
  : undefined;
if (provision) trace(CONFIG_SECRET_WARNING + '\n');
/** A simulated sensor: a slow random walk around 21.5 °C (state in the closure, not the module). */
function simulatedReading(): () => number {
  let tenths = 215;
  return () => (tenths += ((Math.random() * 3) | 0) - 1) / 10;
}
startClientApp(ports, {
  target: c.oscore_target ?? 'coap://192.168.1.10/readings',
  intervalMs: Number(c.oscore_interval_ms) > 0 ? Number(c.oscore_interval_ms) : undefined,
  log: (line) => trace(line + '\n'),
  provision,
  read: simulatedReading(),
});
