/**
 * A client-only device application (the second entry of the size budget): every `intervalMs` it
 * PUTs its temperature reading to `target` (e.g. a gateway's coap://…/readings) under OSCORE, with
 * the security context kept in flash like the server app's (src/device-image/). It registers no
 * resources and composes its endpoint of the OSCORE layer alone (ComposedEndpoint), so the
 * bundle carries no server-only code (Router, observer registry, Block1 reassembly).
 */
import type { AesBlockCipherFactory, Clock, DatagramPort, FlashPort, RandomSource } from '../../src/ports.js';
import { ComposedEndpoint } from '../../src/coap/composed-endpoint.js';
import { CoapClient } from '../../src/coap/client.js';
import { Messaging } from '../../src/coap/messaging.js';
import { ContentFormat } from '../../src/coap/numbers.js';
import { oscoreClientLayer } from '../../src/coap/oscore-layer.js';
import { SecurityContext, type SecurityContextParams } from '../../src/oscore/context.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { openDeviceContexts } from '../../src/device-image/oscore-contexts.js';

export interface ClientAppOptions {
  target: string;
  intervalMs?: number;
  log(line: string): void;
  provision?: SecurityContextParams;
  read(): number;
}

export function startClientApp(ports: { datagram: DatagramPort; clock: Clock; random: RandomSource; flash: FlashPort; aes?: AesBlockCipherFactory }, options: ClientAppOptions): { shutdown(): void } {
  // The first stored context (a client app talks to one peer).
  const stored = openDeviceContexts(RecordLog.open(ports.flash), options.provision).contexts[0];
  const context = new SecurityContext(stored.params, { store: stored.store, aes: ports.aes });
  // No extension layers and no Router: requests and responses fit one datagram, and a client-only
  // endpoint answers any request it receives 4.04.
  const endpoint = new ComposedEndpoint({
    port: ports.datagram,
    clock: ports.clock,
    random: ports.random,
    messaging: Messaging, // requests of our own (the default, ServerMessaging, only serves)
    oscore: oscoreClientLayer({ contextFor: () => context }),
  });
  const client = new CoapClient(endpoint);
  let timer = ports.clock.setTimer(0, function report() {
    const value = options.read().toFixed(1);
    client.request({ uri: options.target, method: 'PUT', payload: value, contentFormat: ContentFormat.TEXT_PLAIN }).then(
      (r) => options.log('reported ' + value + ': ' + r.codeString),
      (e: Error) => options.log('report failed: ' + e.message),
    );
    timer = ports.clock.setTimer(options.intervalMs ?? 10000, report);
  });
  return {
    shutdown() {
      ports.clock.clearTimer(timer);
      context.close();
      endpoint.close();
    },
  };
}
