/** XS entry for bench/coap.bench.ts: computrons to encode + decode a typical request. */
import { meter } from '../test/harness/xs-meter.js';
import { report } from './xs-report.js';
import { typicalRequest } from './coap-typical.js';
import { decodeMessage, encodeMessage } from '../src/coap/codec.js';

const m = typicalRequest();
const bytes = encodeMessage(m);
const N = 100;
const encode = meter(() => { encodeMessage(m); }, N)!;
const decode = meter(() => { decodeMessage(bytes); }, N)!;
const both = meter(() => { decodeMessage(encodeMessage(m)); }, N)!;
report({ bytes: bytes.length, encode: encode / N, decode: decode / N, both: both / N });
