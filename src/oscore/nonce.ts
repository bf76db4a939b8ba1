/**
 * The AEAD nonce (RFC 8613 §5.2):
 *   S (1 byte: length of ID_PIV) · ID_PIV left-padded to nonceLength − 6 · PIV left-padded to 5,
 * XORed with the Common IV. ID_PIV is the Sender ID of the endpoint that generated the Partial IV.
 */

export function aeadNonce(commonIv: Uint8Array, idPiv: Uint8Array, partialIv: Uint8Array): Uint8Array {
  const len = commonIv.length;
  if (idPiv.length > len - 6) throw new RangeError('ID of ' + idPiv.length + ' bytes does not fit a ' + len + '-byte nonce');
  if (partialIv.length > 5) throw new RangeError('Partial IV longer than 5 bytes');
  const nonce = commonIv.slice();
  nonce[0] ^= idPiv.length;
  // ID_PIV ends where the 5 bytes of the Partial IV begin; each is right-aligned in its field.
  for (let i = idPiv.length; i--; ) nonce[len - 5 - idPiv.length + i] ^= idPiv[i];
  for (let i = partialIv.length; i--; ) nonce[len - partialIv.length + i] ^= partialIv[i];
  return nonce;
}
