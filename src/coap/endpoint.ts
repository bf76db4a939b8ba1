/**
 * CoAP endpoint: one DatagramPort, client and server at once (RFC 7252 §2), composed of layers.
 *
 * LAYER SEAM (types in exchange.ts). Server side, bottom-up:
 *
 *   datagram → codec → Messaging (CON/ACK/RST, retransmit, dedup, tokens; messaging.ts)
 *     → outer layers      (`outer`: e.g. outer Block-wise for proxies, RFC 8613 §4.1.3.4.2)
 *     → OSCORE layer      (`oscore`: unprotect, kid lookup, replay, App. B.1.2 Echo; RFC 8613 §8.2)
 *     → inner layers      (`inner`: Block-wise, Observe, Echo/Request-Tag — RFC 7959/7641/9175)
 *     → critical-option check (§5.4.1) → Router (Uri-Path → resource; 4.04/4.05; policy requireOscore)
 *
 * Client side, top-down: request() → inner layers → OSCORE (protect) → outer layers → Messaging.
 * `outer`/`inner` are arrays of StackLayer ({ name, client?, server? }); the first element of each
 * array is the one nearest to messaging. A ServerLayer wraps the handler above it; a ClientLayer
 * wraps the transport below it. A layer never reaches past its neighbour.
 */
export {};
