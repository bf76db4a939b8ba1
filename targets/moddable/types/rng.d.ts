/**
 * Ambient declaration for Moddable's `rng` module ($(MODULES)/crypt/etc/rng): an RC4 keystream seeded
 * on first use from `c_rand()`, which is the hardware RNG (`esp_random`) on ESP32 and libc `rand()`
 * on the desktop platforms — so `lin` seeds it explicitly (see platform-lin.ts).
 */
declare module 'rng' {
  const RNG: {
    get(count: number): ArrayBuffer;
    init(seed?: ArrayBuffer): void;
  };
  export default RNG;
}
