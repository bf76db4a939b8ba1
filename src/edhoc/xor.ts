/** `a ^= b` over a's length (b at least as long). */
export function xorInto(a: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < a.length; i++) a[i] ^= b[i];
}
