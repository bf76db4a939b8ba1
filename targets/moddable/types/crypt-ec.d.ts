/**
 * Ambient declarations for the SDK's elliptic-curve modules ($(MODULES)/crypt/etc/curve.js,
 * arith/ecp.js, arith/ec.js) as far as oscore-xs uses them: the curve's EC (native `xs_ec2_*`
 * multiplications), its base point and ECPoint. The SDK validates no point: see p256-core.ts.
 */
declare module 'ecp' {
  export default class ECPoint {
    constructor(x: bigint, y: bigint, identity?: boolean);
    readonly X: bigint;
    readonly Y: bigint;
    isZero(): boolean;
  }
}
declare module 'curve' {
  import type ECPoint from 'ecp';
  interface EC {
    mul(p: ECPoint, k: bigint): ECPoint;
    mul2(p1: ECPoint, k1: bigint, p2: ECPoint, k2: bigint): ECPoint;
  }
  export default class Curve {
    constructor(name: 'secp256r1' | 'secp384r1');
    readonly G: ECPoint;
    readonly ec: EC;
    readonly n: bigint;
  }
}
