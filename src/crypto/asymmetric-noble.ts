/**
 * The default asymmetric crypto (./asymmetric.ts) on the audited @noble/curves: P-256 ECDH and
 * ES256, X25519 and Ed25519. Used on Node and on xsnap; the device build substitutes the SDK's
 * native P-256 (rollup.config.mjs → targets/moddable/crypto-asymmetric.ts).
 *
 * Randomness always comes from our RandomSource (noble's default reads crypto.getRandomValues,
 * which XS lacks). ES256 signatures are hedged (RFC 6979 plus fresh entropy, as RFC 9528 §9.8
 * and draft-irtf-cfrg-det-sigs-with-noise recommend); verification accepts high-S signatures.
 * Peer keys are validated (RFC 9528 §9.2): a P-256 point must lie on the curve, an X25519 result
 * must not be all zero. noble decodes with validation and throws; we rethrow InvalidPublicKey.
 */
import { p256 } from '@noble/curves/nist.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import type { AsymmetricCrypto, CurveName, KeyAgreement, KeyPair, SignatureAlgorithm, SignatureAlgorithmId } from './asymmetric.js';
import { randomBytes } from './asymmetric.js';
import type { RandomSource } from '../ports.js';
import { InvalidPublicKey, UnsupportedAlgorithm } from '../errors.js';

/** A P-256 public key as SEC1 bytes noble decodes: x (32) → compressed with either sign (ECDH only). */
function p256Sec1(publicKey: Uint8Array, forEcdh: boolean): Uint8Array {
  if (!(publicKey instanceof Uint8Array)) throw new InvalidPublicKey('P-256: public key must be a Uint8Array');
  if (publicKey.length === 32 && forEcdh) {
    // RFC 9528 §3.7: only x is sent. x(k·P) = x(k·(−P)), so either y gives the same secret.
    const b = new Uint8Array(33);
    b[0] = 0x02;
    b.set(publicKey, 1);
    return b;
  }
  if (publicKey.length === 64) {
    const b = new Uint8Array(65);
    b[0] = 0x04;
    b.set(publicKey, 1);
    return b;
  }
  if ((publicKey.length === 33 && (publicKey[0] === 2 || publicKey[0] === 3)) || (publicKey.length === 65 && publicKey[0] === 4)) return publicKey;
  throw new InvalidPublicKey('P-256: public key of ' + publicKey.length + ' bytes is not a point encoding');
}

/** Decode and validate (on the curve, not infinity), or InvalidPublicKey. */
function p256Point(publicKey: Uint8Array, forEcdh: boolean): Uint8Array {
  const sec1 = p256Sec1(publicKey, forEcdh);
  try {
    p256.Point.fromBytes(sec1).assertValidity();
  } catch {
    throw new InvalidPublicKey('P-256: public key is not a point on the curve');
  }
  return sec1;
}

function p256PrivateKey(random: RandomSource): Uint8Array {
  // 48 seed bytes reduced mod n (FIPS 186-5 A.2.1): no bias, never zero.
  return p256.utils.randomSecretKey(randomBytes(random, p256.lengths.seed ?? 48)) as Uint8Array;
}

const p256KeyAgreement: KeyAgreement = {
  curve: 'P-256',
  generateKeyPair(random: RandomSource): KeyPair {
    const privateKey = p256PrivateKey(random);
    return { privateKey, publicKey: p256KeyAgreement.publicKeyOf(privateKey) };
  },
  publicKeyOf(privateKey: Uint8Array): Uint8Array {
    return (p256.getPublicKey(privateKey, true) as Uint8Array).slice(1);
  },
  sharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
    const peer = p256Point(peerPublicKey, true);
    return (p256.getSharedSecret(privateKey, peer, true) as Uint8Array).slice(1);
  },
};

const x25519KeyAgreement: KeyAgreement = {
  curve: 'X25519',
  generateKeyPair(random: RandomSource): KeyPair {
    const privateKey = randomBytes(random, 32); // any 32 bytes, clamped on use (RFC 7748 §5)
    return { privateKey, publicKey: x25519.getPublicKey(privateKey) as Uint8Array };
  },
  publicKeyOf(privateKey: Uint8Array): Uint8Array {
    return x25519.getPublicKey(privateKey) as Uint8Array;
  },
  sharedSecret(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
    if (!(peerPublicKey instanceof Uint8Array) || peerPublicKey.length !== 32) throw new InvalidPublicKey('X25519: public key must be 32 bytes');
    let secret: Uint8Array;
    try {
      secret = x25519.scalarMult(privateKey, peerPublicKey) as Uint8Array;
    } catch {
      throw new InvalidPublicKey('X25519: low-order public key (all-zero shared secret)');
    }
    // RFC 7748 §6.1 / RFC 9528 §9.2: refuse the all-zero output of a low-order point.
    let any = 0;
    for (let i = 0; i < secret.length; i++) any |= secret[i];
    if (any === 0) throw new InvalidPublicKey('X25519: low-order public key (all-zero shared secret)');
    return secret;
  },
};

const es256: SignatureAlgorithm = {
  id: -7,
  generateKeyPair(random: RandomSource): KeyPair {
    const privateKey = p256PrivateKey(random);
    return { privateKey, publicKey: es256.publicKeyOf(privateKey) };
  },
  publicKeyOf(privateKey: Uint8Array): Uint8Array {
    return p256.getPublicKey(privateKey, false) as Uint8Array;
  },
  sign(privateKey: Uint8Array, message: Uint8Array, random: RandomSource): Uint8Array {
    return p256.sign(message, privateKey, { prehash: true, lowS: false, extraEntropy: randomBytes(random, 32) }) as Uint8Array;
  },
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    const key = p256Point(publicKey, false);
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
    try {
      return p256.verify(signature, message, key, { prehash: true, lowS: false });
    } catch {
      return false;
    }
  },
};

const eddsa: SignatureAlgorithm = {
  id: -8,
  generateKeyPair(random: RandomSource): KeyPair {
    const privateKey = randomBytes(random, 32);
    return { privateKey, publicKey: ed25519.getPublicKey(privateKey) as Uint8Array };
  },
  publicKeyOf(privateKey: Uint8Array): Uint8Array {
    return ed25519.getPublicKey(privateKey) as Uint8Array;
  },
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
    return ed25519.sign(message, privateKey) as Uint8Array; // deterministic (RFC 8032 §5.1.6)
  },
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) throw new InvalidPublicKey('Ed25519: public key must be 32 bytes');
    try {
      ed25519.Point.fromBytes(publicKey);
    } catch {
      throw new InvalidPublicKey('Ed25519: public key is not a point on the curve');
    }
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
    try {
      return ed25519.verify(signature, message, publicKey);
    } catch {
      return false;
    }
  },
};

/** @noble/curves: P-256, X25519, ES256, EdDSA, and the Ed25519 → X25519 maps. */
export const nobleAsymmetricCrypto: AsymmetricCrypto = {
  keyAgreement(curve: CurveName): KeyAgreement {
    if (curve === 'P-256') return p256KeyAgreement;
    if (curve === 'X25519') return x25519KeyAgreement;
    throw new UnsupportedAlgorithm('key agreement on curve ' + String(curve) + ' is not available');
  },
  signature(id: SignatureAlgorithmId): SignatureAlgorithm {
    if (id === -7) return es256;
    if (id === -8) return eddsa;
    throw new UnsupportedAlgorithm('signature algorithm ' + String(id) + ' is not available');
  },
  edwardsToMontgomeryPublic(publicKey: Uint8Array): Uint8Array {
    try {
      return ed25519.utils.toMontgomery(publicKey) as Uint8Array;
    } catch {
      throw new InvalidPublicKey('Ed25519: public key is not a point on the curve');
    }
  },
  edwardsToMontgomeryPrivate(privateKey: Uint8Array): Uint8Array {
    return ed25519.utils.toMontgomerySecret(privateKey) as Uint8Array;
  },
};
