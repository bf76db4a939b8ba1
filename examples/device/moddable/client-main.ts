/**
 * The client-only example on Moddable: reports a reading to `config.oscore_target` (a coap:// URI)
 * every 10 s (mcconfig `oscore_interval_ms=N` to change) under OSCORE, with the first security
 * context of the `oscore` partition (a device image, as main.ts; `oscore_*=` configuration values
 * only as a development fallback, with a warning) and the same flash file setting on lin (`oscore_flash`).
 */
import config from 'mc/config';
import { createModdablePorts } from '../../../targets/moddable/index.js';
import { startClientApp } from '../client-app.js';
import { configuredContext, configuredNumber } from '../config.js';

const log = (line: string) => trace(line + '\n');
/** A simulated sensor: a slow random walk around 21.5 °C (state in the closure, not the module). */
function simulatedReading(): () => number {
  let tenths = 215;
  return () => (tenths += ((Math.random() * 3) | 0) - 1) / 10;
}
startClientApp(createModdablePorts({ partition: 'oscore' }), {
  target: (config as Record<string, string | undefined>).oscore_target ?? 'coap://192.168.1.10/readings',
  intervalMs: configuredNumber(config, 'interval_ms'),
  log,
  provision: configuredContext(config, log),
  read: simulatedReading(),
});
