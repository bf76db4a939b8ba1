/** The "typical request" the CoAP benchmarks use: GET /sensors/temperature?unit=C, 4-byte token, Accept. */
import { createMessage, type Message } from '../src/coap/message.js';
import { utf8Encode } from '../src/bytes.js';

export function typicalRequest(): Message {
  return createMessage({
    type: 0,
    code: 1,
    messageId: 0x1234,
    token: new Uint8Array([1, 2, 3, 4]),
    options: [
      { number: 11, value: utf8Encode('sensors') },
      { number: 11, value: utf8Encode('temperature') },
      { number: 15, value: utf8Encode('unit=C') },
      { number: 17, value: new Uint8Array([50]) },
    ],
  });
}
