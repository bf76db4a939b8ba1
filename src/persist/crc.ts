/**
 * CRC-32 (IEEE 802.3 / zlib: reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF),
 * the check value of every record in the RecordLog. A 16-entry (nibble) table: 64 bytes
 * instead of 1 KiB, two lookups per byte — small enough to live in flash on the device.
 * Check value: crc32("123456789") = 0xCBF43926.
 */

/** CRC of each nibble value (the reflected polynomial applied 4 times), built once at module load. */
const NIBBLE_TABLE = /* @__PURE__ */ nibbleTable();

function nibbleTable(): Uint32Array {
  const t = new Uint32Array(16);
  for (let n = 0; n < 16; n++) {
    let c = n;
    for (let k = 0; k < 4; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c;
  }
  return t;
}

/** Continue a CRC-32 over `bytes[start..end)`; pass the previous result as `crc` (0 to begin). */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, crc = 0): number {
  let c = ~crc >>> 0;
  const t = NIBBLE_TABLE;
  for (let i = start; i < end; i++) {
    c ^= bytes[i];
    c = (c >>> 4) ^ t[c & 15];
    c = (c >>> 4) ^ t[c & 15];
  }
  return ~c >>> 0;
}
