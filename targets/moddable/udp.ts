/**
 * DatagramPort on Moddable's ECMA-419 UDP socket (`embedded:io/socket/udp`, manifest
 * $(MODDABLE)/modules/io/manifest.json). It binds the requested port on ESP32 and on `lin`
 * (the older `socket` module does not bind it on `lin`). `read()` returns an ArrayBuffer that
 * carries the sender's `address` and `port`; `write(buffer, address, port)` sends one datagram.
 */
import UDP from 'embedded:io/socket/udp';
import type { DatagramPort } from '../../src/ports.js';

type Handler = (data: Uint8Array, address: string, port: number) => void;

export class Ecma419UdpPort implements DatagramPort {
  private readonly socket: UDP;
  private handler: Handler | undefined;

  /** `port` 5683 for a CoAP server; omit it for an ephemeral client port. */
  constructor(options: { port?: number; address?: string } = {}) {
    const self = this;
    this.socket = new UDP({
      port: options.port,
      address: options.address,
      onReadable(count: number) {
        // Drain every queued datagram: onReadable fires once for several.
        while (count-- > 0) {
          const buffer = this.read();
          self.handler?.(new Uint8Array(buffer), buffer.address, buffer.port);
        }
      },
    });
  }

  send(data: Uint8Array, address: string, port: number): void {
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer;
    try {
      this.socket.write(whole as ArrayBuffer, address, port);
    } catch {
      // DatagramPort contract: transient send errors (no route, buffer full) drop the datagram.
    }
  }

  onReceive(handler: Handler): void {
    this.handler = handler;
  }

  close(): void {
    this.handler = undefined;
    (this.socket as unknown as { close(): void }).close();
  }
}
