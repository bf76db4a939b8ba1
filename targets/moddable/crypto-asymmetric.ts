/**
 * Device replacement for src/crypto/asymmetric-noble.ts (rollup.config.mjs substitutes it in
 * Moddable builds): P-256 ECDH and ES256 on the SDK's native EC multiplication (`curve`, `ecp`),
 * with every check the SDK omits done in p256-core.ts. X25519 and Ed25519 are not offered (the SDK
 * has no native Curve25519): EDHOC suites 2 and 3 only. Not constant-time (docs/edhoc.md).
 * The export keeps the replaced module's name (platform-check.ts checks the shape).
 */
import Curve from 'curve';
import ECPoint from 'ecp';
import type { AsymmetricCrypto } from '../../src/crypto/asymmetric.js';
import { makeNativeP256Crypto, type AffinePoint, type NativeEc } from './p256-core.js';
import { sha256 } from './crypto-sha256.js';

const curve = new Curve('secp256r1');

const affine = (p: ECPoint): AffinePoint | undefined => (p.isZero() ? undefined : { x: p.X, y: p.Y });

const nativeEc: NativeEc = {
  mulBase: (k) => affine(curve.ec.mul(curve.G, k)),
  mul: (p, k) => affine(curve.ec.mul(new ECPoint(p.x, p.y), k)),
  mulAdd: (k1, q, k2) => affine(curve.ec.mul2(curve.G, k1, new ECPoint(q.x, q.y), k2)),
};

export const nobleAsymmetricCrypto: AsymmetricCrypto = makeNativeP256Crypto(nativeEc, sha256);
