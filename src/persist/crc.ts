/**
 * CRC-32 (IEEE 802.3 / zlib: reflected polynomial 0xEDB88320, init and final XOR 0xFFFFFFFF),
 * the check value of every record in the RecordLog. A 16-entry (nibble) table: 64 bytes of
 * constants instead of 1 KiB, two lookups per byte — small enough to live in flash on the device.
 * Check value: crc32("123456789") = 0xCBF43926.
 */

const NIBBLE_TABLE = /* @__PURE__ */ new Uint32Array([
  0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
  0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
]);

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
