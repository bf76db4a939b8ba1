/**
 * A minimal device for test/device-bridge.node.test.ts: echoes datagrams (reversed), counts them
 * in flash (one byte cleared per datagram, so NOR rules show), arms a timer on request and
 * reports status. Runs inside xsnap-worker through targets/xs-sim/device-ports.ts.
 */
import { createSimulatedDevicePorts, installEventHandler, log } from '../../targets/xs-sim/device-ports.js';
import { utf8Decode, utf8Encode } from '../../src/bytes.js';

const ports = createSimulatedDevicePorts();
let received = 0;
let shutdowns = 0;
const flash = ports.flash;

function countInFlash(): number {
  const bytes = flash.read(0, 64);
  let n = 0;
  for (const b of bytes) if (b === 0) n++;
  return n;
}

ports.datagram.onReceive((data, address, port) => {
  received++;
  const text = utf8Decode(data);
  if (text.startsWith('timer ')) {
    const ms = Number(text.slice(6));
    const armedAt = ports.clock.now();
    ports.clock.setTimer(ms, () => {
      ports.datagram.send(utf8Encode('fired after ' + Math.round(ports.clock.now() - armedAt)), address, port);
    });
    return;
  }
  if (text === 'cancel') {
    const h = ports.clock.setTimer(50, () => ports.datagram.send(utf8Encode('should not fire'), address, port));
    ports.clock.clearTimer(h);
    ports.clock.setTimer(100, () => ports.datagram.send(utf8Encode('cancelled ok'), address, port));
    return;
  }
  if (text === 'random') {
    const r = new Uint8Array(16);
    ports.random.fill(r);
    ports.datagram.send(r, address, port);
    return;
  }
  if (text === 'throw') throw new Error('boom');
  const n = countInFlash();
  if (n < 64) flash.write(n, new Uint8Array([0]));
  ports.datagram.send(utf8Encode(text.split('').reverse().join('') + ' #' + countInFlash()), address, port);
});

installEventHandler(ports, {
  async shutdown() {
    await Promise.resolve();
    shutdowns++;
    flash.write(64, new Uint8Array([0x00]));
    log('clean shutdown');
  },
  status: () => ({ received, shutdowns, flashCount: countInFlash(), blockSize: flash.blockSize, byteLength: flash.byteLength }),
});
log('bridge device up, flash count ' + countInFlash());
