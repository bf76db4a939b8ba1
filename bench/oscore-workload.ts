/**
 * The OSCORE benchmark workload, shared by the Node (bench/oscore.bench.ts) and XS
 * (bench/xs/oscore-entry.ts) sides: a GET with two Uri-Path options, a Uri-Host and a 64-byte
 * payload, protected by a client context and verified by the server (RFC 8613 §8.1 + §8.2);
 * and the bare AES-CCM seal+open of exactly the bytes OSCORE encrypts (same key, nonce, AAD,
 * plaintext) — the floor the OSCORE pipeline is compared to.
 */
import { fromHex, utf8Encode } from '../src/bytes.js';
import { createMessage } from '../src/coap/message.js';
import { Option } from '../src/coap/option-registry.js';
import { Code } from '../src/coap/numbers.js';
import { SecurityContext } from '../src/oscore/context.js';
import { MemoryContextStore } from '../src/oscore/store.js';
import { protectRequest, protectResponse, composePlaintext } from '../src/oscore/protect.js';
import { unprotectRequest, unprotectResponse, contextLookup } from '../src/oscore/unprotect.js';
import { splitOptions } from '../src/oscore/classes.js';
import { aeadNonce } from '../src/oscore/nonce.js';
import { aeadAad } from '../src/oscore/aad.js';
import { encodePartialIv } from '../src/oscore/option.js';

export function makeWorkload() {
  const params = { masterSecret: fromHex('0102030405060708090a0b0c0d0e0f10'), masterSalt: fromHex('9e7ca92223786340'), senderId: fromHex(''), recipientId: fromHex('01') };
  // Reservations far ahead, as a flash store with a large K would: the benchmark measures the core.
  const client = new SecurityContext(params, { store: new MemoryContextStore({ reserveStep: 1 << 30 }) });
  const server = new SecurityContext({ ...params, senderId: params.recipientId, recipientId: params.senderId }, { store: new MemoryContextStore({ reserveStep: 1 << 30 }) });
  const payload = new Uint8Array(64);
  for (let i = 0; i < 64; i++) payload[i] = (i * 7 + 3) & 0xff;
  const request = createMessage({
    code: Code.GET,
    messageId: 0x2f8e,
    token: fromHex('a1b2c3d4'),
    options: [
      { number: Option.URI_HOST, value: utf8Encode('localhost') },
      { number: Option.URI_PATH, value: utf8Encode('sensors') },
      { number: Option.URI_PATH, value: utf8Encode('temperature') },
    ],
    payload,
  });
  const response = createMessage({ code: Code.CONTENT, messageId: 0x2f8e, token: fromHex('a1b2c3d4'), options: [{ number: Option.CONTENT_FORMAT, value: new Uint8Array(0) }], payload });
  const lookup = contextLookup([server]);

  /** One request: client protect + server verify (fresh sequence number each time). */
  const protectUnprotectRequest = (): void => {
    const out = protectRequest(client, request);
    unprotectRequest(out.message, lookup);
  };

  // A fixed exchange for the response direction (reuses the request nonce, §8.3).
  const req = protectRequest(client, request);
  const srv = unprotectRequest(req.message, lookup);
  const protectUnprotectResponse = (): void => {
    unprotectResponse(protectResponse(response, srv.binding), req.binding);
  };

  // The bare AEAD on the same bytes: the request's plaintext, nonce and AAD. Every request has a
  // fresh Partial IV, so the floor cycles through the nonces and AADs of consecutive ones, made
  // beforehand: AES on changing counter blocks runs measurably slower on V8 than on one repeated
  // block, and that cost belongs to the AEAD, not to OSCORE.
  const plaintext = composePlaintext(request.code, splitOptions(request.options, true).inner, request.payload);
  const PIV_VARIANTS = 256;
  const nonces: Uint8Array[] = [];
  const aads: Uint8Array[] = [];
  for (let i = 0; i < PIV_VARIANTS; i++) {
    const piv = encodePartialIv(1000 + i);
    nonces.push(aeadNonce(client.commonIv, client.senderId, piv));
    aads.push(aeadAad(10, client.senderId, piv));
  }
  const key = client.senderKey;
  const peer = server.recipientKey;
  let next = 0;
  const bareCcm = (): void => {
    const nonce = nonces[next];
    const aad = aads[next];
    next = (next + 1) % PIV_VARIANTS;
    const ct = key.seal(nonce, aad, plaintext);
    if (peer.open(nonce, aad, ct) === null) throw new Error('open failed');
  };
  // The same for the response: its plaintext under the request's nonce and AAD (§8.3).
  const responsePlaintext = composePlaintext(response.code, splitOptions(response.options, false).inner, response.payload);
  const serverKey = server.senderKey;
  const clientKey = client.recipientKey;
  const bareCcmResponse = (): void => {
    const ct = serverKey.seal(srv.binding.nonce, srv.binding.aad, responsePlaintext);
    if (clientKey.open(srv.binding.nonce, srv.binding.aad, ct) === null) throw new Error('open failed');
  };
  return { protectUnprotectRequest, protectUnprotectResponse, bareCcm, bareCcmResponse, plaintextLength: plaintext.length, responsePlaintextLength: responsePlaintext.length, aadLength: aads[0].length };
}
