/**
 * The example device application: a CoAP server that requires OSCORE (RFC 8613) on every resource.
 *   /temperature  GET, Observe-able (RFC 7641): a simulated sensor, text/plain "21.5" (°C)
 *   /led          GET "on"/"off"; PUT "on" | "off" | "toggle" → 2.04 Changed
 * The security contexts live in the flash partition, written there by a device image
 * (`oscore-xs context new --device-image`, src/device-image/): one per peer, each with its sender
 * sequence reservations and replay window, which survive reboots (App. B.1); after a power cut the
 * first request of a client is answered 4.01 + Echo and its repetition re-initialises the replay
 * window (App. B.1.2).
 *
 * Platform-free: the same module runs on an ESP32 (main.ts, Moddable ports), in the XS simulator
 * (targets/xs-sim/device-main.ts) and on Node (`npm start -- --engine node`).
 */
import type { AesBlockCipherFactory, Clock, DatagramPort, FlashPort, RandomSource } from '../../src/ports.js';
import { ComposedEndpoint } from '../../src/coap/composed-endpoint.js';
import { DEVICE_DEDUP_CACHE_SIZE, type ServerMessaging, type TransmissionParameters } from '../../src/coap/server-messaging.js';
import { ObserveLayer } from '../../src/coap/observe-layer.js';
import { Router, type ResponseInit } from '../../src/coap/server.js';
import type { StackLayer } from '../../src/coap/exchange.js';
import { Code, ContentFormat } from '../../src/coap/numbers.js';
import { SecurityContext, type SecurityContextParams } from '../../src/oscore/context.js';
import type { PreparedKeyCache } from '../../src/crypto/key-cache.js';
import { contextLookup, type ContextLookup } from '../../src/oscore/unprotect.js';
import { oscoreServerLayer } from '../../src/coap/oscore-layer.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { toHex } from '../../src/bytes.js';
import { openDeviceContexts } from '../../src/device-image/oscore-contexts.js';

export interface DeviceAppPorts {
  datagram: DatagramPort;
  clock: Clock;
  random: RandomSource;
  flash: FlashPort;
  /** The AES the keys are prepared with (the native one on Moddable); default: the build's. */
  aes?: AesBlockCipherFactory;
  /** Prepared keys shared by the contexts, a bounded cache (Moddable ports); default: each context its own. */
  keyCache?: PreparedKeyCache;
}

export interface DeviceAppOptions {
  /** The device console (trace on the MCU, stdout on the simulator). */
  log(line: string): void;
  /**
   * Development only: stored when the partition holds no context (e.g. from the firmware
   * configuration — every device flashed from that firmware would share it).
   */
  provision?: SecurityContextParams;
  /**
   * CoAP transmission parameters; by default the deduplication cache is bounded for an MCU
   * (DEVICE_DEDUP_CACHE_SIZE entries instead of the desktop's 512).
   */
  params?: Partial<TransmissionParameters>;
  /** How often the simulated sensor is read (default 2000 ms). */
  sensorIntervalMs?: number;
  /**
   * A security layer instead of OSCORE with the stored contexts, e.g. EDHOC's (examples/device/
   * edhoc.ts): it gets the flash log and the stored contexts' lookup, and may add resources. Passed
   * by the EDHOC app's entry only, so the OSCORE-only bundles carry none of it.
   */
  security?: (records: RecordLog, lookup: ContextLookup) => DeviceSecurity;
}

/** What a `security` hook gives the app: the layer for the OSCORE slot, resources, and its own clean shutdown. */
export interface DeviceSecurity {
  layer: StackLayer;
  /** The messaging class, e.g. MulticastServerMessaging for a group member (default: unicast ServerMessaging). */
  messaging?: typeof ServerMessaging;
  /** Adds the hook's own resources (called after /temperature, before /led). */
  addResources?(endpoint: ComposedEndpoint): void;
  shutdown?(): void;
}

export interface DeviceApp {
  readonly endpoint: ComposedEndpoint;
  /** One per peer, as stored on the partition. */
  readonly contexts: SecurityContext[];
  /** What the app serves now, a fresh copy each time (deviceStatus, examples/device/status.ts, adds the rest for the simulator). */
  readonly state: DeviceState;
  /** Clean shutdown: stop the sensor, write sequence number and replay window, release the socket. */
  shutdown(): void;
}

export interface DeviceState {
  /** °C, as /temperature serves it. */
  temperature: number;
  led: boolean;
  /** Requests served (each resource handler call). */
  requests: number;
}

/** The device's only "sensor": a slow random walk around 21.5 °C in steps of 0.1 °C (15–30 °C). */
function simulatedThermometer(random: RandomSource): () => number {
  let tenths = 215;
  const r = new Uint8Array(1);
  return () => {
    random.fill(r);
    tenths = Math.min(300, Math.max(150, tenths + (r[0] < 64 ? -1 : r[0] >= 192 ? 1 : 0)));
    return tenths / 10;
  };
}

export function startDeviceApp(ports: DeviceAppPorts, options: DeviceAppOptions): DeviceApp {
  const { clock, random } = ports;
  const log = options.log;
  const records = RecordLog.open(ports.flash);
  const opened = openDeviceContexts(records, options.provision);
  const contexts = opened.contexts.map((c) => {
    const context = new SecurityContext(c.params, { store: c.store, aes: ports.aes, keyCache: ports.keyCache });
    log((opened.provisioned ? 'provisioned' : 'loaded') + ' OSCORE context ' + c.name + ': sender ' + toHex(context.senderId) + ', recipient ' + toHex(context.recipientId) + ', ' + context.algorithm.name + ', next seq ' + context.sequence.next + (context.replayWindow.isUnknown ? ' (replay window unknown: Echo recovery, App. B.1.2)' : ''));
    return context;
  });

  const lookup = contextLookup(contexts);
  const security = options.security?.(records, lookup);
  // Only the layers this app uses: Observe for /temperature. No Block-wise (every request and
  // response here fits one datagram) and no Echo layer (the OSCORE layer does App. B.1.2 itself).
  const endpoint = new ComposedEndpoint({
    port: ports.datagram,
    messaging: security?.messaging,
    clock,
    random,
    oscore: security ? security.layer : oscoreServerLayer({ lookup, clock, random }),
    inner: [new ObserveLayer(clock)],
    router: new Router(),
    params: { dedupCacheSize: DEVICE_DEDUP_CACHE_SIZE, ...options.params },
  });

  const readThermometer = simulatedThermometer(random);
  let temperature = readThermometer();
  let led = false;
  let requests = 0;
  // After a power cut the first request of a client proves its freshness with Echo (App. B.1.2);
  // say so once on the console when that has happened.
  let recovering = contexts.filter((c) => c.replayWindow.isUnknown);
  const served = () => {
    requests++;
    if (recovering.length === 0) return;
    const before = recovering.length;
    recovering = recovering.filter((c) => c.replayWindow.isUnknown);
    for (let i = recovering.length; i < before; i++) log('replay window re-initialised from a request that echoed our Echo value (App. B.1.2)');
  };
  const text = (payload: string): ResponseInit => {
    served();
    return { payload, contentFormat: ContentFormat.TEXT_PLAIN };
  };

  endpoint.resource('/temperature', { GET: () => text(temperature.toFixed(1)) }, { requireOscore: true, observable: true, linkAttributes: { rt: 'temperature', ct: '0' } });

  security?.addResources?.(endpoint);

  endpoint.resource('/led', {
    GET: () => text(led ? 'on' : 'off'),
    PUT: (req) => {
      served();
      const want = req.text().trim().toLowerCase();
      const next = want === 'on' || want === '1' ? true : want === 'off' || want === '0' ? false : want === 'toggle' ? !led : undefined;
      if (next === undefined) return { code: Code.BAD_REQUEST, payload: 'send on, off or toggle' };
      if (next !== led) log('LED ' + (next ? 'on' : 'off'));
      led = next;
      return { code: Code.CHANGED };
    },
  }, { requireOscore: true, linkAttributes: { rt: 'light', ct: '0' } });

  const interval = options.sensorIntervalMs ?? 2000;
  const sample = () => {
    const t = readThermometer();
    if (t !== temperature) {
      temperature = t;
      const n = endpoint.notify('/temperature');
      if (n) log('temperature ' + t.toFixed(1) + ' °C → ' + n + ' observer' + (n === 1 ? '' : 's'));
    }
    timer = clock.setTimer(interval, sample);
  };
  let timer = clock.setTimer(interval, sample);
  log('serving /temperature (Observe) and /led, OSCORE required; temperature ' + temperature.toFixed(1) + ' °C, LED off');

  let closed = false;
  return {
    endpoint,
    contexts,
    get state() {
      return { temperature, led, requests };
    },
    shutdown() {
      if (closed) return;
      closed = true;
      clock.clearTimer(timer);
      security?.shutdown?.();
      for (const c of contexts) c.close();
      endpoint.close();
      log('clean shutdown: next seq ' + contexts.map((c) => c.sequence.next).join(', ') + ' and replay window written');
    },
  };
}
