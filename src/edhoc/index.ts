/**
 * EDHOC (RFC 9528): Ephemeral Diffie-Hellman Over COSE, both roles, methods 0–3, cipher suites 0–3,
 * and the OSCORE context it yields (Appendix A.1). The transport (CoAP, Appendix A.2; RFC 9668)
 * lives in src/layers; this is the protocol alone, as named steps after the RFC.
 */
export { EdhocInitiator } from './initiator.js';
export { EdhocResponder } from './responder.js';
export { EdhocError, EdhocPeerError, ERR_UNSPECIFIED, ERR_WRONG_SELECTED_CIPHER_SUITE, ERR_UNKNOWN_CREDENTIAL, decodeErrorMessage } from './errors.js';
export type { EdhocCredential, OwnCredential, EdhocSessionOptions, EdhocResult, EdhocMethod, OscoreFromEdhoc, IdCred, EadItem } from './types.js';
export { ccsCredential, x509Credential, ownCredential, sameIdCred } from './credentials.js';
export { encodeIdCred, x5tOf, HEADER_KID, HEADER_KCCS, HEADER_X5CHAIN, HEADER_X5T } from './id-cred.js';
export { CIPHER_SUITES, findSuite, type CipherSuite } from './suites.js';
export { connectionIdBytes, encodeCompactBytes as encodeConnectionId } from './connection-id.js';
