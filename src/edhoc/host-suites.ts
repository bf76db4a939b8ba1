/**
 * EDHOC cipher suites 4–6 (RFC 9528 §10.2) for hosts (Node, the simulator), on the host AEADs of
 * src/crypto/host-aeads.ts, which the device bundle does not carry. Pass `HOST_CIPHER_SUITES` as
 * `cipherSuites` to offer them:
 *   4: ChaCha20/Poly1305, SHA-256, MAC 16, X25519, EdDSA, app ChaCha20/Poly1305
 *   5: ChaCha20/Poly1305, SHA-256, MAC 16, P-256,  ES256, app ChaCha20/Poly1305
 *   6: A128GCM,           SHA-256, MAC 16, X25519, ES256, app A128GCM
 */
import { A128GCM, CHACHA20_POLY1305, findAnyAlgorithm } from '../crypto/host-aeads.js';
import { CIPHER_SUITES, makeSuite, type CipherSuite } from './suites.js';

const chacha = findAnyAlgorithm(CHACHA20_POLY1305)!;
const gcm128 = findAnyAlgorithm(A128GCM)!;

export const HOST_CIPHER_SUITES: readonly CipherSuite[] = [
  ...CIPHER_SUITES,
  makeSuite(4, chacha, 16, 'X25519', -8, chacha),
  makeSuite(5, chacha, 16, 'P-256', -7, chacha),
  makeSuite(6, gcm128, 16, 'X25519', -7, gcm128),
];
