/** CoAP numbers as data (RFC 7252 §12): message types, codes, content formats. */

/**
 * Message types (§3). A constant table, not a TypeScript enum: an enum compiles to a module-level
 * `var` filled in afterwards, which a preloaded module (Moddable) must not have. Never written to;
 * the tables of constants stay unfrozen object literals so the minifier can replace their uses by
 * the numbers and drop them (freezing them cost the device bundle ~0.8 KiB gzip).
 */
export const MessageType = { CON: 0, NON: 1, ACK: 2, RST: 3 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** Build a code from class and detail: code(2, 5) === 0x45 (2.05). */
export function code(cls: number, detail: number): number {
  return (cls << 5) | detail;
}

/** "2.05" style text of a code. */
export function codeToString(c: number): string {
  const d = c & 31;
  return (c >> 5) + '.' + (d < 10 ? '0' : '') + d;
}

export const Code = {
  EMPTY: 0x00,
  GET: 0x01,
  POST: 0x02,
  PUT: 0x03,
  DELETE: 0x04,
  FETCH: 0x05,
  PATCH: 0x06,
  IPATCH: 0x07,
  CREATED: 0x41,
  DELETED: 0x42,
  VALID: 0x43,
  CHANGED: 0x44,
  CONTENT: 0x45,
  CONTINUE: 0x5f,
  BAD_REQUEST: 0x80,
  UNAUTHORIZED: 0x81,
  BAD_OPTION: 0x82,
  FORBIDDEN: 0x83,
  NOT_FOUND: 0x84,
  METHOD_NOT_ALLOWED: 0x85,
  NOT_ACCEPTABLE: 0x86,
  REQUEST_ENTITY_INCOMPLETE: 0x88,
  CONFLICT: 0x89,
  PRECONDITION_FAILED: 0x8c,
  REQUEST_ENTITY_TOO_LARGE: 0x8d,
  UNSUPPORTED_CONTENT_FORMAT: 0x8f,
  INTERNAL_SERVER_ERROR: 0xa0,
  NOT_IMPLEMENTED: 0xa1,
  BAD_GATEWAY: 0xa2,
  SERVICE_UNAVAILABLE: 0xa3,
  GATEWAY_TIMEOUT: 0xa4,
  PROXYING_NOT_SUPPORTED: 0xa5,
} as const;

export function isRequestCode(c: number): boolean {
  return c >= 1 && c <= 31;
}
export function isResponseCode(c: number): boolean {
  return c >= 64 && c <= 191;
}

export const ContentFormat = {
  TEXT_PLAIN: 0,
  LINK_FORMAT: 40,
  XML: 41,
  OCTET_STREAM: 42,
  EXI: 47,
  JSON: 50,
  CBOR: 60,
} as const;
