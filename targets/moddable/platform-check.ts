/**
 * Compile-time check (no runtime code): platform-lin.ts must offer what platform-esp32.ts offers,
 * since both answer to the same specifier `oscore-xs/platform`.
 */
import type * as Esp32 from './platform-esp32.js';
import type * as Lin from './platform-lin.js';

type Same<T extends typeof Esp32> = T;
export type PlatformLinConforms = Same<typeof Lin>;
