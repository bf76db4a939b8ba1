/** Simulation tools for tests and demos, platform-free: virtual clock, seeded PRNG, simulated network and NOR flash. */
export { VirtualClock } from './virtual-clock.js';
export { SimNetwork } from './sim-network.js';
export { NorFlash } from './nor-flash.js';
export { Prng } from './prng.js';
