// The workload of bench/server.bench.ts: one OSCORE context pair (the RFC 8613 C.1 test parameters
// family, as in perf-workload.ts) and the small body every server returns.
import { fromHex, utf8Encode } from '../src/bytes.js';
import type { SecurityContextParams } from '../src/oscore/context.js';

export const CLIENT_PARAMS: SecurityContextParams = { masterSecret: fromHex('0102030405060708090a0b0c0d0e0f10'), masterSalt: fromHex('9e7ca92223786340'), senderId: fromHex('01'), recipientId: fromHex('') };
export const SERVER_PARAMS: SecurityContextParams = { ...CLIENT_PARAMS, senderId: CLIENT_PARAMS.recipientId, recipientId: CLIENT_PARAMS.senderId };
/** A small file (as in issue 17's figures): 64 bytes of text. */
export const BODY = utf8Encode('The quick brown fox jumps over the lazy dog, 0123456789 ABCDEF.\n');
