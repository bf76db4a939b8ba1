/**
 * EDHOC key files and credentials on Node, as aiocoap keeps them (aiocoap/edhoc.py
 * CoseKeyForEdhoc): a private COSE_Key {1: kty, -1: crv, -4: d} as CBOR in a file only its owner
 * may read (mode 0600; a group- or world-accessible key file is refused, as aiocoap refuses it), and
 * `oscore-xs keygen` writes them (cli/keygen.ts); edhoc-credentials.ts reads them for the
 * `edhoc-oscore` entries of a credentials file.
 */
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { LoadError } from '../../src/errors.js';
import { decodeCborItem } from '../../src/cbor/decode.js';
import { encodeCbor } from '../../src/cbor/encode.js';
import { parsePrivateCoseKey } from '../../src/credentials/edhoc-credentials.js';

export interface PrivateCoseKey {
  kty: number;
  crv: number;
  d: Uint8Array;
}

/** Read a private key file (CBOR COSE_Key), refusing one that others may read. */
export function readPrivateKeyFile(path: string, label = path): PrivateCoseKey {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (e) {
    throw new LoadError(label + ': cannot read private key file (' + (e as NodeJS.ErrnoException).code + ')');
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) throw new LoadError(label + ': refusing to load a private key that is group or world accessible (chmod 600 ' + label + ')');
  let item;
  try {
    item = decodeCborItem(new Uint8Array(readFileSync(path)));
  } catch (e) {
    throw new LoadError(label + ': not a CBOR COSE_Key: ' + (e as Error).message);
  }
  return parsePrivateCoseKey(label, item);
}

/** Write a new private key file, mode 0600, never over an existing file (O_EXCL, as aiocoap-keygen). */
export function writePrivateKeyFile(path: string, key: PrivateCoseKey): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, encodeCbor(new Map<number, number | Uint8Array>([[1, key.kty], [-1, key.crv], [-4, key.d]])));
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    throw e;
  }
  closeSync(fd);
}
