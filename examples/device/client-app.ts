/**
 * A client-only device application (the second entry of the size budget): every `intervalMs` it
 * PUTs its temperature reading to `target` (e.g. a gateway's coap://…/readings) under OSCORE, with
 * the security context kept in flash like the server app's (provisioning.ts). It registers no
 * resources, so a tree-shaking bundler can leave the server-only code out.
 */
import type { Clock, DatagramPort, FlashPort, RandomSource } from '../../src/ports.js';
import { Endpoint } from '../../src/coap/endpoint.js';
import { ContentFormat } from '../../src/coap/numbers.js';
import { oscoreLayer } from '../../src/coap/oscore-layer.js';
import { SecurityContext, type SecurityContextParams } from '../../src/oscore/context.js';
import { RecordLog } from '../../src/persist/record-log.js';
import { openContext } from './provisioning.js';

export interface ClientAppOptions {
  target: string;
  intervalMs?: number;
  log(line: string): void;
  provision?: SecurityContextParams;
  read(): number;
}

export function startClientApp(ports: { datagram: DatagramPort; clock: Clock; random: RandomSource; flash: FlashPort }, options: ClientAppOptions): { shutdown(): void } {
  const opened = openContext(RecordLog.open(ports.flash), options.provision);
  const context = new SecurityContext(opened.params, { store: opened.store });
  const endpoint = new Endpoint({
    port: ports.datagram,
    clock: ports.clock,
    random: ports.random,
    oscore: oscoreLayer({ contextFor: () => context, clock: ports.clock, random: ports.random }),
    blockwise: false,
    observe: false,
  });
  let timer = ports.clock.setTimer(0, function report() {
    const value = options.read().toFixed(1);
    endpoint.request({ uri: options.target, method: 'PUT', payload: value, contentFormat: ContentFormat.TEXT_PLAIN }).then(
      (r) => options.log('reported ' + value + ': ' + (r.code >> 5) + '.' + String(r.code & 31).padStart(2, '0')),
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
