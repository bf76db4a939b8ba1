/**
 * EDHOC errors (RFC 9528 §6). `EdhocError` is ours to report: it carries the error message to send
 * (ERR_CODE, ERR_INFO), e.g. code 1 with a diagnostic, or code 2 with SUITES_R. `EdhocPeerError` is
 * an error message the peer sent us. Both are typed so a transport can map them without parsing text.
 */
import { OscoreXsError } from '../errors.js';
import { encodeCborSequence } from '../cbor/encode.js';
import { CborReader, type CborItem } from '../cbor/decode.js';

/** ERR_CODE values (§6, registry §10.4). */
export const ERR_SUCCESS = 0;
export const ERR_UNSPECIFIED = 1;
export const ERR_WRONG_SELECTED_CIPHER_SUITE = 2;
export const ERR_UNKNOWN_CREDENTIAL = 3;

/** An error of this endpoint; `bytes` is the EDHOC error message to send the peer (§6). */
export class EdhocError extends OscoreXsError {
  readonly code: number;
  readonly bytes: Uint8Array;
  constructor(code: number, info: CborItem, message: string) {
    super(message);
    this.code = code;
    this.bytes = encodeCborSequence([code, info]);
  }
}

/** ERR_CODE 1 (§6.2): the diagnostic is for humans; we keep it short and free of secrets. */
export function unspecifiedError(diagnostic: string): EdhocError {
  return new EdhocError(ERR_UNSPECIFIED, diagnostic, 'EDHOC: ' + diagnostic);
}

/** An error message the peer sent (§6): its code and ERR_INFO (SUITES_R for code 2, as a list). */
export class EdhocPeerError extends OscoreXsError {
  readonly code: number;
  readonly info: CborItem | undefined;
  constructor(code: number, info: CborItem | undefined) {
    super('EDHOC: the peer sent error ' + code + (typeof info === 'string' ? ' (' + info.slice(0, 80) + ')' : ''));
    this.code = code;
    this.info = info;
  }
  /** For code 2: SUITES_R as a list (§6.3). */
  suitesR(): number[] {
    const i = this.info;
    if (typeof i === 'number') return [i];
    if (Array.isArray(i) && i.every((x) => typeof x === 'number')) return i as number[];
    return [];
  }
}

/**
 * Reads an error message (§6: ERR_CODE int, ERR_INFO any; code 0 has no ERR_INFO), or returns
 * undefined when `bytes` does not start with an integer (every other EDHOC message starts with a
 * byte string, or is message_1 which this is not used for).
 */
export function decodeErrorMessage(bytes: Uint8Array): EdhocPeerError | undefined {
  if (bytes.length === 0 || bytes[0] >> 5 > 1) return undefined;
  try {
    const r = new CborReader(bytes);
    const code = r.readInt('ERR_CODE');
    const info = r.atEnd() ? undefined : r.read();
    if (!r.atEnd()) return new EdhocPeerError(code, undefined);
    return new EdhocPeerError(code, info);
  } catch {
    return new EdhocPeerError(ERR_UNSPECIFIED, undefined);
  }
}
