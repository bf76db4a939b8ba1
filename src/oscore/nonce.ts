/**
 * The AEAD nonce (RFC 8613 §5.2):
 *   S (1 byte: length of ID_PIV) · ID_PIV left-padded to nonceLength − 6 · PIV left-padded to 5,
 * XORed with the Common IV. ID_PIV is the Sender ID of the endpoint that generated the Partial IV.
 */

export function aeadNonce(commonIv: Uint8Array, idPiv: Uint8Array, partialIv: Uint8Array): Uint8Array {
  const len = commonIv.length;
  const idSpace = len - 6;
  if (idPiv.length > idSpace) throw new RangeError('ID of ' + idPiv.length + ' bytes does not fit a ' + len + '-byte nonce');
  if (partialIv.length > 5) throw new RangeError('Partial IV longer than 5 bytes');
  const nonce = new Uint8Array(commonIv);
  nonce[0] ^= idPiv.length;
  const idEnd = 1 + idSpace;
  for (let i = 0; i < idPiv.length; i++) nonce[idEnd - idPiv.length + i] ^= idPiv[i];
  for (let i = 0; i < partialIv.length; i++) nonce[len - partialIv.length + i] ^= partialIv[i];
  return nonce;
}
