/**
 * P-256 ECDH and ES256 (RFC 9053 §2.1, RFC 9528 §9.2) over a native scalar multiplication, for the
 * device build (targets/moddable/crypto-asymmetric.ts binds it to the SDK's `crypt` EC). The SDK
 * multiplies points but checks nothing, so everything a peer can send is checked here in JS
 * BigInt arithmetic before it reaches the native code:
 *   - public keys: coordinates < p, y² = x³ − 3x + b (SEC 1 §3.2.2 / SP 800-56A §5.6.2.3), an
 *     x-coordinate alone is decompressed (p ≡ 3 mod 4: y = rhs^((p+1)/4)) and refused if not square;
 *   - signatures: r, s in [1, n−1] (the SDK's ECDSA does not check);
 *   - private keys drawn from our RandomSource (48 bytes reduced mod n−1, plus 1: no bias, never 0),
 *     ES256 nonces hedged: fresh randomness hashed with the key and digest (the SDK's ECDSA would draw a biased k).
 * Not constant-time: neither the SDK's native EC nor JS BigInt offer that (docs/edhoc.md).
 * The native part is behind `NativeEc` so this file runs (and is tested) with a stand-in on Node/xsnap.
 */
import type { AsymmetricCrypto, CurveName, KeyAgreement, KeyPair, SignatureAlgorithm, SignatureAlgorithmId } from '../../src/crypto/asymmetric.js';
import type { RandomSource } from '../../src/ports.js';
import { InvalidPublicKey, UnsupportedAlgorithm } from '../../src/errors.js';

export interface AffinePoint {
  x: bigint;
  y: bigint;
}

/** The native multiplications: k·G, k·P and k1·G + k2·Q; undefined for the point at infinity. */
export interface NativeEc {
  mulBase(k: bigint): AffinePoint | undefined;
  mul(p: AffinePoint, k: bigint): AffinePoint | undefined;
  mulAdd(k1: bigint, q: AffinePoint, k2: bigint): AffinePoint | undefined;
}

export const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
export const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = 0; i < b.length; i++) v = (v << 8n) | BigInt(b[i]);
  return v;
}

export function bigIntToBytes(v: bigint, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function powMod(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}

/** x³ − 3x + b mod p. */
function curveRhs(x: bigint): bigint {
  return mod(x * x * x - 3n * x + B, P);
}

/** A peer's public key as a validated affine point: x (32), 0x02/0x03 || x, 0x04 || x || y, or x || y. */
export function decodePublicKey(key: Uint8Array): AffinePoint {
  if (!(key instanceof Uint8Array)) throw new InvalidPublicKey('P-256: public key must be a Uint8Array');
  let x: bigint;
  let y: bigint | undefined;
  let odd: boolean | undefined;
  if (key.length === 32) x = bytesToBigInt(key);
  else if (key.length === 33 && (key[0] === 2 || key[0] === 3)) {
    x = bytesToBigInt(key.subarray(1));
    odd = key[0] === 3;
  } else if (key.length === 65 && key[0] === 4) {
    x = bytesToBigInt(key.subarray(1, 33));
    y = bytesToBigInt(key.subarray(33));
  } else if (key.length === 64) {
    x = bytesToBigInt(key.subarray(0, 32));
    y = bytesToBigInt(key.subarray(32));
  } else throw new InvalidPublicKey('P-256: public key of ' + key.length + ' bytes is not a point encoding');
  if (x >= P || (y !== undefined && y >= P)) throw new InvalidPublicKey('P-256: coordinate not below p');
  const rhs = curveRhs(x);
  if (y === undefined) {
    const root = powMod(rhs, (P + 1n) / 4n, P);
    if ((root * root) % P !== rhs) throw new InvalidPublicKey('P-256: public key is not a point on the curve');
    // x(k·P) = x(k·(−P)): for ECDH either root gives the same secret; compressed keys pick by parity.
    y = odd === undefined || (root & 1n) === (odd ? 1n : 0n) ? root : P - root;
  } else if ((y * y) % P !== rhs) throw new InvalidPublicKey('P-256: public key is not a point on the curve');
  return { x, y };
}

/** A scalar in [1, n−1] from 48 random bytes (FIPS 186-5 A.2.1). */
function randomScalar(random: RandomSource): bigint {
  const b = new Uint8Array(48);
  random.fill(b);
  return mod(bytesToBigInt(b), N - 1n) + 1n;
}

/**
 * The ES256 nonce k: fresh randomness hashed with the private key and the digest (hedged, as
 * draft-irtf-cfrg-det-sigs-with-noise recommends), so a weak or repeated RNG output alone never
 * repeats k for two different messages. 48 bytes reduced mod n−1, plus 1.
 */
function hedgedNonce(d: bigint, e: bigint, random: RandomSource, sha256: (m: Uint8Array) => Uint8Array): bigint {
  const noise = new Uint8Array(32);
  random.fill(noise);
  const input = new Uint8Array(1 + 32 + 32 + 32);
  input.set(bigIntToBytes(d), 1);
  input.set(bigIntToBytes(e), 33);
  input.set(noise, 65);
  input[0] = 1;
  const first = sha256(input);
  input[0] = 2;
  const second = sha256(input);
  input.fill(0);
  const seed = new Uint8Array(48);
  seed.set(first, 0);
  seed.set(second.subarray(0, 16), 32);
  return mod(bytesToBigInt(seed), N - 1n) + 1n;
}

function privateScalar(privateKey: Uint8Array): bigint {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) throw new RangeError('P-256: private key must be 32 bytes');
  const d = bytesToBigInt(privateKey);
  if (d === 0n || d >= N) throw new RangeError('P-256: private key out of range');
  return d;
}

function encodeUncompressed(p: AffinePoint): Uint8Array {
  const out = new Uint8Array(65);
  out[0] = 4;
  out.set(bigIntToBytes(p.x), 1);
  out.set(bigIntToBytes(p.y), 33);
  return out;
}

/** The P-256 half of the asymmetric port over `ec`, with `sha256` for ES256's digest. */
export function makeNativeP256Crypto(ec: NativeEc, sha256: (m: Uint8Array) => Uint8Array): AsymmetricCrypto {
  const publicPoint = (privateKey: Uint8Array): AffinePoint => ec.mulBase(privateScalar(privateKey))!;

  const keyAgreement: KeyAgreement = {
    curve: 'P-256',
    generateKeyPair(random: RandomSource): KeyPair {
      const privateKey = bigIntToBytes(randomScalar(random));
      return { privateKey, publicKey: keyAgreement.publicKeyOf(privateKey) };
    },
    publicKeyOf(privateKey: Uint8Array): Uint8Array {
      return bigIntToBytes(publicPoint(privateKey).x);
    },
    sharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
      const q = decodePublicKey(peerPublicKey);
      const z = ec.mul(q, privateScalar(privateKey));
      if (!z) throw new InvalidPublicKey('P-256: shared secret is the point at infinity');
      return bigIntToBytes(z.x);
    },
  };

  const es256: SignatureAlgorithm = {
    id: -7,
    generateKeyPair(random: RandomSource): KeyPair {
      const privateKey = bigIntToBytes(randomScalar(random));
      return { privateKey, publicKey: es256.publicKeyOf(privateKey) };
    },
    publicKeyOf(privateKey: Uint8Array): Uint8Array {
      return encodeUncompressed(publicPoint(privateKey));
    },
    sign(privateKey: Uint8Array, message: Uint8Array, random: RandomSource): Uint8Array {
      const d = privateScalar(privateKey);
      const e = bytesToBigInt(sha256(message)); // 256-bit digest: no truncation for P-256
      for (;;) {
        const k = hedgedNonce(d, e, random, sha256);
        const r = mod(ec.mulBase(k)!.x, N);
        if (r === 0n) continue;
        const s = mod(powMod(k, N - 2n, N) * (e + r * d), N);
        if (s === 0n) continue;
        const out = new Uint8Array(64);
        out.set(bigIntToBytes(r), 0);
        out.set(bigIntToBytes(s), 32);
        return out;
      }
    },
    verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
      const q = decodePublicKey(publicKey);
      if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
      const r = bytesToBigInt(signature.subarray(0, 32));
      const s = bytesToBigInt(signature.subarray(32));
      if (r === 0n || r >= N || s === 0n || s >= N) return false;
      const e = bytesToBigInt(sha256(message));
      const w = powMod(s, N - 2n, N);
      const point = ec.mulAdd(mod(e * w, N), q, mod(r * w, N));
      return point !== undefined && mod(point.x, N) === r;
    },
  };

  return {
    keyAgreement(curve: CurveName): KeyAgreement {
      if (curve === 'P-256') return keyAgreement;
      throw new UnsupportedAlgorithm('key agreement on ' + String(curve) + ' is not available on the device (the SDK has native P-256 only)');
    },
    signature(id: SignatureAlgorithmId): SignatureAlgorithm {
      if (id === -7) return es256;
      throw new UnsupportedAlgorithm('signature algorithm ' + String(id) + ' is not available on the device (the SDK has native P-256 only)');
    },
  };
}
